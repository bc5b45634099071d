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
#include "services/common/auth/revocation_follower.h"
#include "services/common/auth/service_token.h"
#include "services/common/downstream/downstream.h"
#include "services/common/downstream/identity_directory.h"
#include "trustsphere/identity/v1/identity.grpc.pb.h"

namespace trustsphere {

namespace identity_v1 = ::trustsphere::identity::v1;

// IdentityDirectory over gRPC, and the signing keys every verifier needs.
class IdentityClient final : public IdentityDirectory {
 public:
  IdentityClient(std::shared_ptr<grpc::Channel> channel, ServiceToken* token);

  absl::StatusOr<identity_v1::Person> GetPerson(const std::string& id,
                                                absl::Time deadline) override;
  absl::StatusOr<std::vector<identity_v1::Person>> BatchGetPersons(
      const std::vector<std::string>& ids, absl::Time deadline) override;
  absl::StatusOr<std::vector<identity_v1::Position>> BatchGetPositions(
      const std::vector<std::string>& ids, absl::Time deadline) override;
  // At most 200 positions, so at most two pages.
  absl::StatusOr<std::vector<identity_v1::Position>> ListAllPositions(const std::string& person_id,
                                                                      absl::Time deadline) override;
  absl::StatusOr<std::vector<identity_v1::Position>> FindOverlappingPositions(
      const std::string& position_id, int limit, absl::Time deadline) override;
  absl::StatusOr<identity_v1::ListIdentityChangesResponse> ListIdentityChanges(
      const std::string& after_cursor, int limit, absl::Time deadline) override;
  // ListIdentityChanges, for a RevocationFollower.
  RevocationFollower::ListChanges ChangeLister() {
    return [this](const std::string& after_cursor, int limit, absl::Time deadline) {
      return ListIdentityChanges(after_cursor, limit, deadline);
    };
  }
  absl::StatusOr<std::vector<identity_v1::Tag>> BatchGetTags(
      const std::vector<common::v1::Facet>& facets, absl::Time deadline) override;
  absl::Status RecordTagUse(const std::vector<identity_v1::Tag>& tags,
                            absl::Time deadline) override;
  // Needs no token: how services learn the keys that verify user tokens.
  absl::StatusOr<PublicKeySet> GetSigningKeys(absl::Time deadline);

 private:
  std::unique_ptr<identity_v1::IdentityService::Stub> stub_;
  ServiceToken* token_;
};

}  // namespace trustsphere
