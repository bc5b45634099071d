#include "services/common/downstream/fake_identity_directory.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "services/common/core/change_cursor.h"
#include "services/common/core/month_index.h"
#include "services/common/core/text.h"

namespace trustsphere {
namespace {

// Ongoing periods run forever, as identity's index reads them.
bool Overlap(const common::v1::Period& a, const common::v1::Period& b) {
  const int a_end = a.has_end() ? MonthIndex(a.end()) : INT32_MAX;
  const int b_end = b.has_end() ? MonthIndex(b.end()) : INT32_MAX;
  return MonthIndex(a.start()) <= b_end && MonthIndex(b.start()) <= a_end;
}

}  // namespace

void FakeIdentityDirectory::AddPerson(const std::string& id, const std::string& display_name,
                                      const std::string& headline) {
  absl::MutexLock lock(&mu_);
  identity::v1::Person& person = persons_[id];
  person.set_id(id);
  person.set_display_name(display_name.empty() ? id : display_name);
  person.set_headline(headline);
  person.set_state(identity::v1::PERSON_STATE_ACTIVE);
  Log(identity::v1::IDENTITY_CHANGE_KIND_PERSON_CREATED, id);
}

void FakeIdentityDirectory::DeletePerson(const std::string& id) {
  absl::MutexLock lock(&mu_);
  identity::v1::Person tombstone;
  tombstone.set_id(id);
  tombstone.set_state(identity::v1::PERSON_STATE_DELETED);
  persons_[id] = tombstone;
  for (auto it = positions_.begin(); it != positions_.end();) {
    it = it->second.person_id() == id ? positions_.erase(it) : std::next(it);
  }
  Log(identity::v1::IDENTITY_CHANGE_KIND_PERSON_DELETED, id);
}

void FakeIdentityDirectory::RemovePosition(const std::string& id) {
  absl::MutexLock lock(&mu_);
  auto it = positions_.find(id);
  if (it == positions_.end()) return;
  Log(identity::v1::IDENTITY_CHANGE_KIND_POSITION_REMOVED, it->second.person_id(), id);
  positions_.erase(it);
}

void FakeIdentityDirectory::Log(identity::v1::IdentityChangeKind kind, const std::string& person_id,
                                const std::string& position_id) {
  identity::v1::IdentityChange& change = changes_.emplace_back();
  change.set_cursor(absl::StrCat(changes_.size()));
  change.set_kind(kind);
  change.set_person_id(person_id);
  change.set_position_id(position_id);
}

int FakeIdentityDirectory::reads() const {
  return Calls("GetPerson") + Calls("BatchGetPersons") + Calls("BatchGetPositions");
}

absl::StatusOr<identity::v1::ListIdentityChangesResponse>
FakeIdentityDirectory::ListIdentityChanges(const std::string& after_cursor, int limit, absl::Time) {
  absl::MutexLock lock(&mu_);
  if (absl::Status up = Answering("ListIdentityChanges"); !up.ok()) return up;
  uint64_t after = 0;
  if (!ParseChangeCursor(after_cursor, &after)) {
    return absl::InvalidArgumentError("after_cursor: not a cursor of this log");
  }
  identity::v1::ListIdentityChangesResponse response;
  for (size_t i = after; i < changes_.size() && response.changes_size() < limit; ++i) {
    *response.add_changes() = changes_[i];
  }
  response.set_next_cursor(response.changes().empty() ? after_cursor
                                                      : response.changes().rbegin()->cursor());
  return response;
}

identity::v1::Position FakeIdentityDirectory::AddPosition(const std::string& person_id,
                                                          const std::string& organization,
                                                          int start_year, int start_month,
                                                          int end_year, int end_month) {
  absl::MutexLock lock(&mu_);
  identity::v1::Position position;
  position.set_id(absl::StrCat("pos_", ++next_position_));
  position.set_person_id(person_id);
  position.set_kind(identity::v1::POSITION_KIND_EMPLOYMENT);
  position.set_organization(organization);
  position.set_organization_key(NormalizeKey(organization));
  position.set_title("Engineer");
  position.mutable_period()->mutable_start()->set_year(start_year);
  position.mutable_period()->mutable_start()->set_month(start_month);
  if (end_year != 0) {
    position.mutable_period()->mutable_end()->set_year(end_year);
    position.mutable_period()->mutable_end()->set_month(end_month);
  }
  positions_[position.id()] = position;
  return position;
}

void FakeIdentityDirectory::RetitlePosition(const std::string& position_id,
                                            const std::string& title) {
  absl::MutexLock lock(&mu_);
  if (auto it = positions_.find(position_id); it != positions_.end()) it->second.set_title(title);
}

void FakeIdentityDirectory::AddTag(common::v1::FacetKind kind, const std::string& key,
                                   const std::string& display_name) {
  absl::MutexLock lock(&mu_);
  identity::v1::Tag& tag = vocabulary_[{kind, NormalizeKey(key)}];
  tag.set_kind(kind);
  tag.set_key(NormalizeKey(key));
  tag.set_display_name(display_name);
}

int FakeIdentityDirectory::Calls(const std::string& method) const {
  absl::MutexLock lock(&mu_);
  auto it = calls_.find(method);
  return it == calls_.end() ? 0 : it->second;
}

void FakeIdentityDirectory::SetUnavailable(bool unavailable) {
  absl::MutexLock lock(&mu_);
  unavailable_ = unavailable;
}

std::vector<identity::v1::Tag> FakeIdentityDirectory::RecordedTags() const {
  absl::MutexLock lock(&mu_);
  return tags_;
}

absl::Status FakeIdentityDirectory::Answering(const char* method) {
  ++calls_[method];
  if (unavailable_) return absl::UnavailableError("identity is down (fake)");
  return absl::OkStatus();
}

absl::StatusOr<identity::v1::Person> FakeIdentityDirectory::GetPerson(const std::string& id,
                                                                      absl::Time) {
  absl::MutexLock lock(&mu_);
  if (absl::Status up = Answering("GetPerson"); !up.ok()) return up;
  auto it = persons_.find(id);
  if (it == persons_.end()) return absl::NotFoundError("no such person");
  return it->second;
}

absl::StatusOr<std::vector<identity::v1::Person>> FakeIdentityDirectory::BatchGetPersons(
    const std::vector<std::string>& ids, absl::Time) {
  absl::MutexLock lock(&mu_);
  if (absl::Status up = Answering("BatchGetPersons"); !up.ok()) return up;
  if (ids.empty() || ids.size() > 100) return absl::InvalidArgumentError("1 to 100 ids");
  std::vector<identity::v1::Person> found;
  for (const auto& id : ids) {
    if (auto it = persons_.find(id); it != persons_.end()) found.push_back(it->second);
  }
  return found;
}

absl::StatusOr<std::vector<identity::v1::Position>> FakeIdentityDirectory::BatchGetPositions(
    const std::vector<std::string>& ids, absl::Time) {
  absl::MutexLock lock(&mu_);
  if (absl::Status up = Answering("BatchGetPositions"); !up.ok()) return up;
  if (ids.empty() || ids.size() > 100) return absl::InvalidArgumentError("1 to 100 ids");
  std::vector<identity::v1::Position> found;
  for (const auto& id : ids) {
    if (auto it = positions_.find(id); it != positions_.end()) found.push_back(it->second);
  }
  return found;
}

absl::StatusOr<std::vector<identity::v1::Position>> FakeIdentityDirectory::ListAllPositions(
    const std::string& person_id, absl::Time) {
  absl::MutexLock lock(&mu_);
  if (absl::Status up = Answering("ListAllPositions"); !up.ok()) return up;
  std::vector<identity::v1::Position> found;
  for (const auto& [id, position] : positions_) {
    if (position.person_id() == person_id) found.push_back(position);
  }
  return found;
}

absl::StatusOr<std::vector<identity::v1::Position>> FakeIdentityDirectory::FindOverlappingPositions(
    const std::string& position_id, int limit, absl::Time) {
  absl::MutexLock lock(&mu_);
  if (absl::Status up = Answering("FindOverlappingPositions"); !up.ok()) return up;
  auto mine = positions_.find(position_id);
  if (mine == positions_.end()) return absl::NotFoundError("no such position");
  std::vector<identity::v1::Position> found;
  for (const auto& [id, position] : positions_) {
    if (static_cast<int>(found.size()) == limit) break;
    if (position.person_id() != mine->second.person_id() &&
        position.organization_key() == mine->second.organization_key() &&
        Overlap(position.period(), mine->second.period())) {
      found.push_back(position);
    }
  }
  return found;
}

absl::Status FakeIdentityDirectory::RecordTagUse(const std::vector<identity::v1::Tag>& tags,
                                                 absl::Time) {
  absl::MutexLock lock(&mu_);
  if (absl::Status up = Answering("RecordTagUse"); !up.ok()) return up;
  tags_.insert(tags_.end(), tags.begin(), tags.end());
  // The first spelling recorded stays the display name, as in identity.
  for (const auto& tag : tags) {
    auto [entry, created] = vocabulary_.try_emplace({tag.kind(), NormalizeKey(tag.key())});
    if (!created) continue;
    entry->second.set_kind(tag.kind());
    entry->second.set_key(NormalizeKey(tag.key()));
    entry->second.set_display_name(tag.key());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<identity::v1::Tag>> FakeIdentityDirectory::BatchGetTags(
    const std::vector<common::v1::Facet>& facets, absl::Time) {
  absl::MutexLock lock(&mu_);
  if (absl::Status up = Answering("BatchGetTags"); !up.ok()) return up;
  if (facets.empty() || facets.size() > 100) return absl::InvalidArgumentError("1 to 100 facets");
  std::vector<identity::v1::Tag> found;
  std::set<std::pair<int, std::string>> seen;
  for (const auto& facet : facets) {
    const std::pair<int, std::string> id = {facet.kind(), NormalizeKey(facet.key())};
    if (!seen.insert(id).second) continue;
    if (auto it = vocabulary_.find(id); it != vocabulary_.end()) found.push_back(it->second);
  }
  return found;
}

}  // namespace trustsphere
