#pragma once

// What relationships and recommendations ask identity: who exists, which
// positions they hold, and the tags they use. Implemented over gRPC by
// IdentityClient, and in memory by FakeIdentityDirectory for tests of the
// services' logic.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "trustsphere/identity/v1/identity.pb.h"

namespace trustsphere {

class IdentityDirectory {
 public:
  virtual ~IdentityDirectory() = default;

  // NOT_FOUND when the person never existed; a deleted one comes back as
  // its tombstone (state DELETED). UNAVAILABLE when identity cannot answer.
  virtual absl::StatusOr<identity::v1::Person> GetPerson(const std::string& id,
                                                         absl::Time deadline) = 0;
  // The people among ids that exist, live or deleted (at most 100 ids).
  virtual absl::StatusOr<std::vector<identity::v1::Person>> BatchGetPersons(
      const std::vector<std::string>& ids, absl::Time deadline) = 0;
  // The positions among ids that exist (at most 100 ids).
  virtual absl::StatusOr<std::vector<identity::v1::Position>> BatchGetPositions(
      const std::vector<std::string>& ids, absl::Time deadline) = 0;
  // Every position of a person (at most 200).
  virtual absl::StatusOr<std::vector<identity::v1::Position>> ListAllPositions(
      const std::string& person_id, absl::Time deadline) = 0;
  // Up to `limit` positions of other people overlapping the given one.
  virtual absl::StatusOr<std::vector<identity::v1::Position>> FindOverlappingPositions(
      const std::string& position_id, int limit, absl::Time deadline) = 0;
  // Identity's changes after `after_cursor` (empty: from the first), at
  // most `limit` (1 to 1000), in commit order.
  virtual absl::StatusOr<identity::v1::ListIdentityChangesResponse> ListIdentityChanges(
      const std::string& after_cursor, int limit, absl::Time deadline) = 0;
  // The vocabulary's entries for the given competency and quality facets
  // (at most 100, keys normalised), in order; tags never recorded are left
  // out.
  virtual absl::StatusOr<std::vector<identity::v1::Tag>> BatchGetTags(
      const std::vector<common::v1::Facet>& facets, absl::Time deadline) = 0;
  // Adds uses to identity's tag vocabulary.
  virtual absl::Status RecordTagUse(const std::vector<identity::v1::Tag>& tags,
                                    absl::Time deadline) = 0;
};

}  // namespace trustsphere
