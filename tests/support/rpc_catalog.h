#pragma once

// Every RPC of the three servers, with a valid request for it and the status
// each kind of caller gets: the one table behind the authorization matrix
// and the bad-input tests. A request is built from a World, the records of
// three fresh people.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "grpcpp/channel.h"
#include "tests/support/deployment.h"

namespace trustsphere::testing {

using Code = grpc::StatusCode;

enum class Caller {
  kNoToken,
  kMalformed,
  kForged,  // the owner's token with the operator role written in, old signature
  kExpired,
  kAlgNone,  // the owner's claims, "alg":"none", no signature
  kOwner,    // the person the request is about (proves the request is valid)
  kOtherPerson,
  kOperator,
  kService,
};
constexpr Caller kCallers[] = {Caller::kNoToken,     Caller::kMalformed, Caller::kForged,
                               Caller::kExpired,     Caller::kAlgNone,   Caller::kOwner,
                               Caller::kOtherPerson, Caller::kOperator,  Caller::kService};

inline const char* NameOf(Caller caller) {
  switch (caller) {
    case Caller::kNoToken:
      return "no token";
    case Caller::kMalformed:
      return "malformed";
    case Caller::kForged:
      return "forged";
    case Caller::kExpired:
      return "expired";
    case Caller::kAlgNone:
      return "alg:none";
    case Caller::kOwner:
      return "owner";
    case Caller::kOtherPerson:
      return "other person";
    case Caller::kOperator:
      return "operator";
    case Caller::kService:
      return "service";
  }
  return "?";
}

// Expected codes of one RPC: `anonymous` for the five callers without a
// valid token, then one per kind of valid caller.
struct Expect {
  Code anonymous;
  Code owner;
  Code other_person;
  Code operator_;
  Code service;

  Code For(Caller caller) const {
    switch (caller) {
      case Caller::kOwner:
        return owner;
      case Caller::kOtherPerson:
        return other_person;
      case Caller::kOperator:
        return operator_;
      case Caller::kService:
        return service;
      default:
        return anonymous;
    }
  }
};

constexpr Code OK = Code::OK;
constexpr Code UNAUTHENTICATED = Code::UNAUTHENTICATED;
constexpr Code DENIED = Code::PERMISSION_DENIED;
constexpr Code NOT_FOUND = Code::NOT_FOUND;
// Open to every caller: the token is not read.
constexpr Expect kPublic{OK, OK, OK, OK, OK};
// The person themself, operators and services.
constexpr Expect kOwnerOrPrivileged{UNAUTHENTICATED, OK, DENIED, OK, OK};
// Identity's records: the person themself or an operator, not a service.
constexpr Expect kOwnerOrOperator{UNAUTHENTICATED, OK, DENIED, OK, DENIED};
// The person themself alone (ChangePassword: not even an operator).
constexpr Expect kOwnerOnly{UNAUTHENTICATED, OK, DENIED, DENIED, DENIED};
// Operators and services only.
constexpr Expect kPrivilegedOnly{UNAUTHENTICATED, DENIED, DENIED, OK, OK};
// Any valid token (reads filter what the caller may see).
constexpr Expect kAnyAccount{UNAUTHENTICATED, OK, OK, OK, OK};

// One world per test: Alice, the subject of the requests; Carol, with whom
// she shares a mutual reference, who recommends her; Bob, somebody else.
struct World {
  Account alice, carol, bob;
  // Alice's login on a second device.
  std::string alice_second_session_id;
  std::string position_id, position_etag;
  std::string request_id;  // Alice asked Carol for a recommendation
  std::string recommendation_id, recommendation_etag;
  std::string share_id, share_token;
  std::string signed_recommendation;
};

// Signs up Alice, Carol and Bob (names ending in `n`) and creates their
// records; fails the calling test on any error.
World MakeWorld(Deployment& deployment, int n);

using Request = std::unique_ptr<google::protobuf::Message>;

struct RpcCase {
  std::string server;  // identity, relationships or recommendations
  std::string method;  // Service/Method
  Expect expect;
  std::function<Request(const World&)> request;
  // Whose token is the owner's.
  Account World::*owner = &World::alice;

  const google::protobuf::MethodDescriptor& Descriptor() const;
};

std::vector<RpcCase> AllRpcs();

// Calls the catalog's RPCs on a deployment's servers, one channel each.
class CatalogClient {
 public:
  explicit CatalogClient(Deployment& deployment) : deployment_(deployment) {}

  // Calls `rpc` with `request` and `token`, whatever its kind: a unary call,
  // a client stream of that one message, or a server stream, which is OK
  // once its first message arrives. With `answer`, the response (a
  // stream's first message) serialised there when OK.
  grpc::Status Call(const RpcCase& rpc, const google::protobuf::Message& request,
                    const std::string& token, std::string* answer = nullptr);

 private:
  Deployment& deployment_;
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels_;
};

}  // namespace trustsphere::testing
