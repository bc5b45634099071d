#pragma once

// IdentityDirectory in memory, for tests of the services' logic: people and
// positions a test adds, identity's answers computed the same way (organisations
// matched by NormalizeKey, periods by month), and an outage a test can switch
// on. Thread-safe.

#include <map>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "services/common/downstream/identity_directory.h"

namespace trustsphere {

class FakeIdentityDirectory final : public IdentityDirectory {
 public:
  // A live person with this id, or their new name and headline.
  void AddPerson(const std::string& id, const std::string& display_name = "",
                 const std::string& headline = "");
  // The person's tombstone, as identity keeps it after DeletePerson.
  void DeletePerson(const std::string& id);
  // A position of `person_id` at `organization` from start to end ((0, 0):
  // ongoing); returns it with its id.
  identity::v1::Position AddPosition(const std::string& person_id, const std::string& organization,
                                     int start_year, int start_month, int end_year = 0,
                                     int end_month = 0);
  // The position's new title.
  void RetitlePosition(const std::string& position_id, const std::string& title);
  // A vocabulary entry, as RecordTagUse first records it.
  void AddTag(common::v1::FacetKind kind, const std::string& key, const std::string& display_name);
  // While set, every call answers UNAVAILABLE.
  void SetUnavailable(bool unavailable);
  // The tags recorded so far, in order.
  std::vector<identity::v1::Tag> RecordedTags() const;
  // Removes a position, as identity's RemovePosition does.
  void RemovePosition(const std::string& id);
  // How many calls asked for people or positions (GetPerson,
  // BatchGetPersons, BatchGetPositions).
  int reads() const;

  absl::StatusOr<identity::v1::Person> GetPerson(const std::string& id,
                                                 absl::Time deadline) override;
  absl::StatusOr<std::vector<identity::v1::Person>> BatchGetPersons(
      const std::vector<std::string>& ids, absl::Time deadline) override;
  absl::StatusOr<std::vector<identity::v1::Position>> BatchGetPositions(
      const std::vector<std::string>& ids, absl::Time deadline) override;
  absl::StatusOr<std::vector<identity::v1::Position>> ListAllPositions(
      const std::string& person_id, absl::Time deadline) override;
  absl::StatusOr<std::vector<identity::v1::Position>> FindOverlappingPositions(
      const std::string& position_id, int limit, absl::Time deadline) override;
  // The people added and deleted, as identity logs them.
  absl::StatusOr<identity::v1::ListIdentityChangesResponse> ListIdentityChanges(
      const std::string& after_cursor, int limit, absl::Time deadline) override;
  absl::StatusOr<std::vector<identity::v1::Tag>> BatchGetTags(
      const std::vector<common::v1::Facet>& facets, absl::Time deadline) override;
  absl::Status RecordTagUse(const std::vector<identity::v1::Tag>& tags,
                            absl::Time deadline) override;
  // Calls answered so far, by method name: how tests see that reads are
  // batched.
  int Calls(const std::string& method) const;

 private:
  // Counts the call; UNAVAILABLE while the outage is on.
  absl::Status Answering(const char* method) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Log(identity::v1::IdentityChangeKind kind, const std::string& person_id,
           const std::string& position_id = "") ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  bool unavailable_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::string, identity::v1::Person> persons_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, identity::v1::Position> positions_ ABSL_GUARDED_BY(mu_);
  std::vector<identity::v1::Tag> tags_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<int, std::string>, identity::v1::Tag> vocabulary_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> calls_ ABSL_GUARDED_BY(mu_);
  int next_position_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<identity::v1::IdentityChange> changes_ ABSL_GUARDED_BY(mu_);
};

}  // namespace trustsphere
