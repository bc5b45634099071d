#pragma once

// How a server secures its listening port, from its flags: TLS with a
// certificate and key read from files and read again when they change
// (rotation without a restart), or plaintext, which is only allowed on a
// loopback address unless --allow_insecure says otherwise.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/security/server_credentials.h"

namespace trustsphere {

struct ListeningSecurity {
  std::shared_ptr<grpc::ServerCredentials> credentials;
  // "tls", "plaintext on loopback" or "plaintext (--allow_insecure)", for
  // the start's log line.
  std::string mode;
};

// The credentials for `listen` (HOST:PORT), or FAILED_PRECONDITION with a
// one-line reason: a certificate without its key, an unreadable file,
// plaintext on a non-loopback address without --allow_insecure.
absl::StatusOr<ListeningSecurity> ListeningSecurityFromFlags(const std::string& listen);

// True for 127.0.0.0/8, [::1] and localhost.
bool IsLoopbackHost(const std::string& listen);

}  // namespace trustsphere
