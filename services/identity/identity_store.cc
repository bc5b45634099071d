#include "services/identity/identity_store.h"

#include "absl/time/clock.h"
#include "services/common/proto_time.h"
#include "services/identity/identity_keys.h"
#include "storage/proto_value.h"

namespace trustsphere::identity {

using storage::ParseValue;
using storage::WriteBatch;

uint32_t MonthIndex(const common::v1::YearMonth& month) {
  return static_cast<uint32_t>(month.year()) * 12 + static_cast<uint32_t>(month.month()) - 1;
}

absl::StatusOr<std::unique_ptr<IdentityStore>> IdentityStore::Open(const std::string& path,
                                                                   bool sync_writes) {
  storage::EngineOptions options;
  options.path = path;
  options.families = keys::FamilyNames();
  options.change_log = keys::kChanges;
  options.prefixed_families = {keys::kPositionsByPerson, keys::kPositionsByOrg, keys::kRequests};
  options.schema_version = keys::kSchemaVersion;
  options.sync_writes = sync_writes;
  auto engine = storage::Engine::Open(std::move(options));
  if (!engine.ok()) return engine.status();
  return std::unique_ptr<IdentityStore>(new IdentityStore(std::move(*engine)));
}

absl::StatusOr<internal::PersonRecord> IdentityStore::GetPerson(const std::string& id) const {
  return ParseValue<internal::PersonRecord>(engine_->Get(keys::kPersons, keys::Person(id)));
}

absl::StatusOr<std::string> IdentityStore::FindPersonIdByEmail(
    const std::string& normalized_email) const {
  return engine_->Get(keys::kEmails, keys::Email(normalized_email));
}

absl::StatusOr<v1::Position> IdentityStore::GetPosition(const std::string& id) const {
  return ParseValue<v1::Position>(engine_->Get(keys::kPositions, keys::Position(id)));
}

absl::StatusOr<std::vector<v1::Position>> IdentityStore::GetPositions(
    const std::vector<std::string>& ids, const storage::Snapshot* snapshot) const {
  std::vector<std::string> position_keys;
  for (const auto& id : ids) position_keys.push_back(keys::Position(id));
  auto values = engine_->MultiGet(keys::kPositions, position_keys, snapshot);
  if (!values.ok()) return values.status();
  std::vector<v1::Position> positions;
  for (const auto& value : *values) {
    if (!value) continue;
    auto position = ParseValue<v1::Position>(std::string_view(*value));
    if (!position.ok()) return position.status();
    positions.push_back(std::move(*position));
  }
  return positions;
}

absl::StatusOr<v1::Tag> IdentityStore::GetTag(uint8_t kind, const std::string& key) const {
  return ParseValue<v1::Tag>(engine_->Get(keys::kTags, keys::Tag(kind, key)));
}

absl::StatusOr<std::optional<internal::RequestRecord>> IdentityStore::GetRequest(
    const std::string& scope, const std::string& method, const std::string& request_id) const {
  auto record = ParseValue<internal::RequestRecord>(
      engine_->Get(keys::kRequests, keys::Request(scope, method, request_id)));
  if (absl::IsNotFound(record.status())) return std::nullopt;
  if (!record.ok()) return record.status();
  return std::optional<internal::RequestRecord>(std::move(*record));
}

void IdentityStore::PutPerson(WriteBatch& batch, const internal::PersonRecord& record) {
  batch.Put(keys::kPersons, keys::Person(record.person().id()), record.SerializeAsString());
}

void IdentityStore::PutEmail(WriteBatch& batch, const std::string& normalized_email,
                             const std::string& person_id) {
  batch.Put(keys::kEmails, keys::Email(normalized_email), person_id);
}

void IdentityStore::DeleteEmail(WriteBatch& batch, const std::string& normalized_email) {
  batch.Delete(keys::kEmails, keys::Email(normalized_email));
}

void IdentityStore::PutPosition(WriteBatch& batch, const v1::Position& position) {
  uint32_t start = MonthIndex(position.period().start());
  batch.Put(keys::kPositions, keys::Position(position.id()), position.SerializeAsString());
  batch.Put(keys::kPositionsByPerson,
            keys::PersonPosition(position.person_id(), start, position.id()), "");
  internal::OrgIndexEntry entry;
  entry.set_person_id(position.person_id());
  entry.set_start_month(start);
  if (position.period().has_end()) entry.set_end_month(MonthIndex(position.period().end()));
  batch.Put(keys::kPositionsByOrg,
            keys::OrgPosition(position.organization_key(), start, position.id()),
            entry.SerializeAsString());
}

void IdentityStore::DeletePosition(WriteBatch& batch, const v1::Position& position) {
  uint32_t start = MonthIndex(position.period().start());
  batch.Delete(keys::kPositions, keys::Position(position.id()));
  batch.Delete(keys::kPositionsByPerson,
               keys::PersonPosition(position.person_id(), start, position.id()));
  batch.Delete(keys::kPositionsByOrg,
               keys::OrgPosition(position.organization_key(), start, position.id()));
}

void IdentityStore::PutTag(WriteBatch& batch, const v1::Tag& tag) {
  batch.Put(keys::kTags, keys::Tag(static_cast<uint8_t>(tag.kind()), tag.key()),
            tag.SerializeAsString());
}

void IdentityStore::PutRequest(WriteBatch& batch, const std::string& scope,
                               const std::string& method, const std::string& request_id,
                               const internal::RequestRecord& record) {
  batch.Put(keys::kRequests, keys::Request(scope, method, request_id), record.SerializeAsString());
}

void IdentityStore::AppendChange(WriteBatch& batch, internal::Change::Kind kind,
                                 const std::string& person_id, const std::string& position_id) {
  internal::Change change;
  change.set_kind(kind);
  change.set_person_id(person_id);
  change.set_position_id(position_id);
  *change.mutable_time() = ToProto(absl::Now());
  batch.AppendChange(change.SerializeAsString());
}

absl::Status IdentityStore::Commit(WriteBatch batch) {
  return engine_->Write(std::move(batch)).status();
}

}  // namespace trustsphere::identity
