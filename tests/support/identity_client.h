#pragma once

// Client-side helpers for tests that talk to identity_server: accounts,
// call contexts with tokens, and reading rich error details.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "trustsphere/identity/v1/identity.grpc.pb.h"

namespace trustsphere::testing {

namespace identity_v1 = ::trustsphere::identity::v1;

struct Account {
  identity_v1::Person person;
  std::string email;
  std::string password;
  std::string token;
  // The login's session (the token's) and its refresh token.
  std::string session_id;
  std::string refresh_token;
};

// A context with a 10-second deadline and, when token is not empty,
// "authorization: Bearer <token>".
std::unique_ptr<grpc::ClientContext> Context(const std::string& token = "");

// Signs a person up and logs them in; fails the test on any error.
Account SignUp(identity_v1::IdentityService::Stub& stub, const std::string& display_name,
               const std::string& email);

// The fields named by the google.rpc.BadRequest details of a status.
std::vector<std::string> ViolatedFields(const grpc::Status& status);

// Repeats `call` every 100 ms until it succeeds or 20 s pass; its last
// status. For calls through a server whose peer has just restarted.
grpc::Status RetryUntilOk(const std::function<grpc::Status()>& call);

// Runs `trustsphere_admin mint-token` and returns the token it prints, valid
// for `ttl` (an absl duration such as "1h").
std::string MintToken(const std::string& admin_binary, const std::string& key_file,
                      const std::string& subject, const std::string& role,
                      const std::string& ttl = "1h");

}  // namespace trustsphere::testing
