#include "services/identity/rocksdb_identity_store.h"

#include "services/common/core/month_index.h"
#include "services/common/core/proto_time.h"
#include "services/identity/identity_keys.h"
#include "storage/paging.h"
#include "storage/proto_value.h"

namespace trustsphere::identity {
namespace {

using storage::ParseIfPresent;
using storage::ParseValue;
using storage::WriteBatch;

void IndexPosition(WriteBatch& batch, const v1::Position& position, bool put) {
  // Validated months are positive, so the index fits the keys' unsigned form.
  const auto start = static_cast<uint32_t>(MonthIndex(position.period().start()));
  const std::string by_person = keys::PersonPosition(position.person_id(), start, position.id());
  const std::string by_org = keys::OrgPosition(position.organization_key(), start, position.id());
  if (!put) {
    batch.Delete(keys::kPositions, keys::Position(position.id()));
    batch.Delete(keys::kPositionsByPerson, by_person);
    batch.Delete(keys::kPositionsByOrg, by_org);
    return;
  }
  batch.Put(keys::kPositions, keys::Position(position.id()), position.SerializeAsString());
  batch.Put(keys::kPositionsByPerson, by_person, "");
  internal::OrgIndexEntry entry;
  entry.set_person_id(position.person_id());
  entry.set_start_month(start);
  if (position.period().has_end()) {
    entry.set_end_month(static_cast<uint32_t>(MonthIndex(position.period().end())));
  }
  batch.Put(keys::kPositionsByOrg, by_org, entry.SerializeAsString());
}

std::string SessionIndexKey(const internal::SessionRecord& session) {
  return keys::PersonSession(
      session.person_id(), static_cast<uint64_t>(UnixMicros(session.create_time())), session.id());
}

}  // namespace

absl::StatusOr<std::unique_ptr<RocksDbIdentityStore>> RocksDbIdentityStore::Open(
    const std::string& path, bool sync_writes) {
  storage::EngineOptions options;
  options.path = path;
  options.families = keys::FamilyNames();
  options.change_log = keys::kChanges;
  options.prefixed_families = {keys::kPositionsByPerson, keys::kPositionsByOrg, keys::kRequests,
                               keys::kSessionsByPerson};
  options.schema_version = keys::kSchemaVersion;
  // Versions 2 and 3 add families, created empty by the open itself.
  const auto nothing_to_move = [](storage::Engine&) { return absl::OkStatus(); };
  options.migrations = {{.from = 1, .run = nothing_to_move}, {.from = 2, .run = nothing_to_move}};
  options.sync_writes = sync_writes;
  auto engine = storage::Engine::Open(std::move(options));
  if (!engine.ok()) return engine.status();
  return std::unique_ptr<RocksDbIdentityStore>(new RocksDbIdentityStore(std::move(*engine)));
}

absl::StatusOr<std::optional<internal::PersonRecord>> RocksDbIdentityStore::Person(
    const std::string& id) const {
  return ParseIfPresent<internal::PersonRecord>(engine_->Get(keys::kPersons, keys::Person(id)));
}

absl::StatusOr<std::vector<internal::PersonRecord>> RocksDbIdentityStore::Persons(
    const std::vector<std::string>& ids) const {
  std::vector<std::string> lookups;
  for (const auto& id : ids) lookups.push_back(keys::Person(id));
  return storage::ParseFound<internal::PersonRecord>(engine_->MultiGet(keys::kPersons, lookups));
}

absl::StatusOr<std::optional<std::string>> RocksDbIdentityStore::PersonIdByEmail(
    const std::string& normalized_email) const {
  return engine_->Find(keys::kEmails, keys::Email(normalized_email));
}

absl::StatusOr<std::optional<v1::Position>> RocksDbIdentityStore::Position(
    const std::string& id) const {
  return ParseIfPresent<v1::Position>(engine_->Get(keys::kPositions, keys::Position(id)));
}

absl::StatusOr<std::vector<v1::Position>> RocksDbIdentityStore::Positions(
    const std::vector<std::string>& ids) const {
  return PositionsAt(ids, nullptr);
}

absl::StatusOr<std::vector<v1::Position>> RocksDbIdentityStore::PositionsAt(
    const std::vector<std::string>& ids, const storage::Snapshot* snapshot) const {
  std::vector<std::string> lookups;
  for (const auto& id : ids) lookups.push_back(keys::Position(id));
  return storage::ParseFound<v1::Position>(engine_->MultiGet(keys::kPositions, lookups, snapshot));
}

absl::StatusOr<storage::Page<v1::Position>> RocksDbIdentityStore::PositionsOf(
    const std::string& person_id, const std::string& cursor, int limit) const {
  // Newest first: reverse key order of (start month, id). Index and records
  // are read at one point in time.
  auto snapshot = engine_->TakeSnapshot();
  auto ids = storage::ScanPage<std::string>(
      *engine_, keys::kPositionsByPerson,
      {.prefix = keys::PersonPositionsPrefix(person_id), .start_after = cursor, .reverse = true},
      limit, snapshot.get(),
      [](std::string_view key, std::string_view) -> absl::StatusOr<std::optional<std::string>> {
        return keys::PositionIdOfIndexKey(key);
      });
  if (!ids.ok()) return ids.status();
  auto positions = PositionsAt(ids->items, snapshot.get());
  if (!positions.ok()) return positions.status();
  return storage::Page<v1::Position>{.items = std::move(*positions),
                                     .next_cursor = std::move(ids->next_cursor)};
}

absl::StatusOr<int> RocksDbIdentityStore::CountPositions(const std::string& person_id,
                                                         int up_to) const {
  return storage::CountKeys(*engine_, keys::kPositionsByPerson,
                            {.prefix = keys::PersonPositionsPrefix(person_id)}, up_to);
}

absl::StatusOr<storage::Page<v1::Position>> RocksDbIdentityStore::OverlappingPositions(
    const OverlapQuery& query, const std::string& cursor, int limit, int max_examined) const {
  // Index order is (organisation, start month, id): positions that start
  // after the period ends cannot overlap, so the scan stops there; those
  // that ended before it starts are skipped.
  storage::ScanRange range{.prefix = keys::OrgPrefix(query.organization_key),
                           .start_after = cursor};
  if (query.end_month) {
    range.end_before = keys::OrgPositionsStartingBefore(
        query.organization_key, static_cast<uint32_t>(*query.end_month + 1));
  }
  auto snapshot = engine_->TakeSnapshot();
  std::vector<std::string> matches;
  std::string last_key;
  std::string next_cursor;
  int examined = 0;
  absl::Status scanned = engine_->Scan(
      keys::kPositionsByOrg, range,
      [&](std::string_view key, std::string_view value) -> storage::Engine::Visit {
        if (static_cast<int>(matches.size()) == limit || examined == max_examined) {
          next_cursor = last_key;
          return false;
        }
        ++examined;
        last_key.assign(key);
        auto entry = ParseValue<internal::OrgIndexEntry>(value);
        if (!entry.ok()) return entry.status();
        const bool ended_before =
            entry->end_month() != 0 && static_cast<int>(entry->end_month()) < query.start_month;
        if (entry->person_id() != query.excluded_person_id && !ended_before) {
          matches.push_back(keys::PositionIdOfIndexKey(key));
        }
        return true;
      },
      snapshot.get());
  if (!scanned.ok()) return scanned;
  auto positions = PositionsAt(matches, snapshot.get());
  if (!positions.ok()) return positions.status();
  return storage::Page<v1::Position>{.items = std::move(*positions),
                                     .next_cursor = std::move(next_cursor)};
}

absl::StatusOr<std::vector<SearchHit>> RocksDbIdentityStore::SearchWords(
    const std::string& word_prefix, int limit) const {
  std::vector<SearchHit> hits;
  absl::Status scanned =
      engine_->Scan(keys::kSearchWords, {.prefix = word_prefix},
                    [&](std::string_view key, std::string_view value) -> storage::Engine::Visit {
                      auto entry = ParseValue<internal::SearchEntry>(value);
                      if (!entry.ok()) return entry.status();
                      auto [word, person_id] = keys::SplitSearchWord(key);
                      hits.push_back({std::move(word), std::move(person_id), std::move(*entry)});
                      return static_cast<int>(hits.size()) < limit;
                    });
  if (!scanned.ok()) return scanned;
  return hits;
}

absl::StatusOr<std::optional<internal::SessionRecord>> RocksDbIdentityStore::Session(
    const std::string& id) const {
  return ParseIfPresent<internal::SessionRecord>(engine_->Get(keys::kSessions, keys::Session(id)));
}

absl::StatusOr<std::vector<internal::SessionRecord>> RocksDbIdentityStore::ExpiredSessions(
    absl::Time now, int limit) const {
  // The whole family: a sweep runs rarely, and a record is a few hundred
  // bytes.
  std::vector<internal::SessionRecord> expired;
  absl::Status scanned = engine_->Scan(
      keys::kSessions, {}, [&](std::string_view, std::string_view value) -> storage::Engine::Visit {
        auto session = ParseValue<internal::SessionRecord>(value);
        if (!session.ok()) return session.status();
        if (FromProto(session->expire_time()) <= now) expired.push_back(std::move(*session));
        return static_cast<int>(expired.size()) < limit;
      });
  if (!scanned.ok()) return scanned;
  return expired;
}

absl::StatusOr<storage::Page<internal::SessionRecord>> RocksDbIdentityStore::SessionsOf(
    const std::string& person_id, const std::string& cursor, int limit) const {
  auto snapshot = engine_->TakeSnapshot();
  auto ids = storage::ScanPage<std::string>(
      *engine_, keys::kSessionsByPerson,
      {.prefix = keys::PersonSessionsPrefix(person_id), .start_after = cursor, .reverse = true},
      limit, snapshot.get(),
      [](std::string_view key, std::string_view) -> absl::StatusOr<std::optional<std::string>> {
        return keys::SessionIdOfIndexKey(key);
      });
  if (!ids.ok()) return ids.status();
  std::vector<std::string> lookups;
  for (const auto& id : ids->items) lookups.push_back(keys::Session(id));
  auto sessions = storage::ParseFound<internal::SessionRecord>(
      engine_->MultiGet(keys::kSessions, lookups, snapshot.get()));
  if (!sessions.ok()) return sessions.status();
  return storage::Page<internal::SessionRecord>{.items = std::move(*sessions),
                                                .next_cursor = std::move(ids->next_cursor)};
}

absl::StatusOr<std::optional<v1::Tag>> RocksDbIdentityStore::Tag(common::v1::FacetKind kind,
                                                                 const std::string& key) const {
  return ParseIfPresent<v1::Tag>(
      engine_->Get(keys::kTags, keys::Tag(static_cast<uint8_t>(kind), key)));
}

absl::StatusOr<std::vector<v1::Tag>> RocksDbIdentityStore::TagsWithPrefix(
    common::v1::FacetKind kind, const std::string& key_prefix, int limit) const {
  std::vector<v1::Tag> tags;
  absl::Status scanned = engine_->Scan(
      keys::kTags, {.prefix = keys::TagPrefix(static_cast<uint8_t>(kind), key_prefix)},
      [&](std::string_view, std::string_view value) -> storage::Engine::Visit {
        auto tag = ParseValue<v1::Tag>(value);
        if (!tag.ok()) return tag.status();
        tags.push_back(std::move(*tag));
        return static_cast<int>(tags.size()) < limit;
      });
  if (!scanned.ok()) return scanned;
  return tags;
}

absl::Status RocksDbIdentityStore::Apply(const IdentityWrite& write) {
  WriteBatch batch;
  for (const auto& [record, previous] : write.persons()) {
    if (previous && !previous->normalized_email().empty() &&
        previous->normalized_email() != record.normalized_email()) {
      batch.Delete(keys::kEmails, keys::Email(previous->normalized_email()));
    }
    if (!record.normalized_email().empty()) {
      batch.Put(keys::kEmails, keys::Email(record.normalized_email()), record.person().id());
    }
    // Deleted then put: a word in both is kept, with the new entry.
    if (previous) {
      for (const auto& word : previous->search().words()) {
        batch.Delete(keys::kSearchWords, keys::SearchWord(word, record.person().id()));
      }
    }
    const std::string entry = record.search().SerializeAsString();
    for (const auto& word : record.search().words()) {
      batch.Put(keys::kSearchWords, keys::SearchWord(word, record.person().id()), entry);
    }
    batch.Put(keys::kPersons, keys::Person(record.person().id()), record.SerializeAsString());
  }
  // Index keys depend on the organisation and the start: the previous ones
  // go first.
  for (const auto& position : write.removed_positions()) IndexPosition(batch, position, false);
  for (const auto& [position, previous] : write.positions()) {
    if (previous) IndexPosition(batch, *previous, false);
    IndexPosition(batch, position, true);
  }
  // The login time never changes: a replaced session keeps its index key.
  for (const auto& session : write.removed_sessions()) {
    batch.Delete(keys::kSessions, keys::Session(session.id()));
    batch.Delete(keys::kSessionsByPerson, SessionIndexKey(session));
  }
  for (const auto& [session, previous] : write.sessions()) {
    batch.Put(keys::kSessions, keys::Session(session.id()), session.SerializeAsString());
    if (!previous) batch.Put(keys::kSessionsByPerson, SessionIndexKey(session), "");
  }
  // One process writes this database: the logic's locks made the checks
  // that `previous` states.
  for (const auto& [tag, previous] : write.tags()) {
    batch.Put(keys::kTags, keys::Tag(static_cast<uint8_t>(tag.kind()), tag.key()),
              tag.SerializeAsString());
  }
  for (const auto& request : write.requests()) {
    const internal::RequestRecord record = StoredRequest(request);
    batch.Put(keys::kRequests,
              keys::Request(request.key.scope, request.key.method, request.key.request_id),
              record.SerializeAsString());
  }
  for (const auto& change : write.changes()) batch.AppendChange(change.SerializeAsString());
  return engine_->Write(std::move(batch)).status();
}

absl::StatusOr<std::vector<ChangeEntry>> RocksDbIdentityStore::Changes(uint64_t after,
                                                                       int limit) const {
  std::vector<ChangeEntry> entries;
  absl::Status scanned = engine_->ScanChanges(
      after, [&](uint64_t sequence, std::string_view value) -> storage::Engine::Visit {
        auto change = ParseValue<internal::Change>(value);
        if (!change.ok()) return change.status();
        entries.push_back({.sequence = sequence, .change = std::move(*change)});
        return static_cast<int>(entries.size()) < limit;
      });
  if (!scanned.ok()) return scanned;
  return entries;
}

absl::StatusOr<std::optional<RequestRecord>> RocksDbIdentityStore::FindRequest(
    const RequestKey& key) const {
  auto stored = ParseIfPresent<internal::RequestRecord>(
      engine_->Get(keys::kRequests, keys::Request(key.scope, key.method, key.request_id)));
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return std::nullopt;
  return LoadedRequest(key, **stored);
}

absl::StatusOr<std::string> RocksDbIdentityStore::Marker(const std::string& name) const {
  return engine_->Marker(name);
}

absl::Status RocksDbIdentityStore::SetMarker(const std::string& name, const std::string& value) {
  return engine_->SetMarker(name, value);
}

absl::StatusOr<std::string> RocksDbIdentityStore::KeepSecret(const std::string& name,
                                                             const std::string& fresh) {
  return engine_->KeepMeta(name, fresh);
}

}  // namespace trustsphere::identity
