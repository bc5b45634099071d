#pragma once

// What the other services ask identity, over gRPC, as a `service` caller,
// with the deadlines and error mapping of downstream.h.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "services/common/auth/access_token.h"
#include "services/common/auth/service_token.h"
#include "services/common/downstream/downstream.h"
#include "trustsphere/identity/v1/identity.grpc.pb.h"

namespace trustsphere {

namespace identity_v1 = ::trustsphere::identity::v1;

class IdentityClient {
 public:
  IdentityClient(std::shared_ptr<grpc::Channel> channel, ServiceToken* token);

  absl::StatusOr<identity_v1::Person> GetPerson(const std::string& id, absl::Time deadline);
  // The people among ids that exist, live or deleted (at most 100 ids).
  absl::StatusOr<std::vector<identity_v1::Person>> BatchGetPersons(
      const std::vector<std::string>& ids, absl::Time deadline);
  // The positions among ids that exist (at most 100 ids).
  absl::StatusOr<std::vector<identity_v1::Position>> BatchGetPositions(
      const std::vector<std::string>& ids, absl::Time deadline);
  // Every position of a person (at most 200, so at most two pages).
  absl::StatusOr<std::vector<identity_v1::Position>> ListAllPositions(const std::string& person_id,
                                                                      absl::Time deadline);
  // Up to `limit` positions overlapping the given one.
  absl::StatusOr<std::vector<identity_v1::Position>> FindOverlappingPositions(
      const std::string& position_id, int limit, absl::Time deadline);
  absl::Status RecordTagUse(const std::vector<identity_v1::Tag>& tags, absl::Time deadline);
  // Needs no token: how services learn the keys that verify user tokens.
  absl::StatusOr<PublicKeySet> GetSigningKeys(absl::Time deadline);

 private:
  std::unique_ptr<identity_v1::IdentityService::Stub> stub_;
  ServiceToken* token_;
};

}  // namespace trustsphere
