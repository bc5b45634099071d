#include "services/recommendations/rocksdb_recommendation_store.h"

#include "absl/container/flat_hash_set.h"
#include "services/common/core/proto_time.h"
#include "services/recommendations/recommendations_keys.h"
#include "storage/batched_writer.h"
#include "storage/paging.h"
#include "storage/proto_value.h"

namespace trustsphere::recommendations {
namespace {

using storage::ParseIfPresent;
using storage::ParseValue;
using storage::WriteBatch;

// Every record of a timeline.
constexpr auto kEverything = [](const auto&) { return true; };

void PutRecommendation(WriteBatch& batch, const RecommendationWrite::Put& put) {
  const v1::Recommendation& recommendation = put.recommendation;
  const std::string value = recommendation.SerializeAsString();
  batch.Put(keys::kRecommendations, keys::Id(recommendation.id()), value);
  if (put.new_version) {
    batch.Put(keys::kVersions,
              keys::Version(recommendation.id(), static_cast<uint32_t>(recommendation.version())),
              value);
  }
  if (!put.created) return;
  const int64_t micros = UnixMicros(recommendation.create_time());
  batch.Put(keys::kBySubject,
            keys::Timeline(recommendation.subject_id(), micros, recommendation.id()), "");
  batch.Put(keys::kByAuthor,
            keys::Timeline(recommendation.author_id(), micros, recommendation.id()), "");
  batch.Put(
      keys::kByPair,
      keys::Pair(recommendation.author_id(), recommendation.subject_id(), recommendation.id()), "");
}

void IndexRequest(WriteBatch& batch, const v1::RecommendationRequest& request) {
  const int64_t micros = UnixMicros(request.create_time());
  batch.Put(keys::kRequestsByAuthor, keys::Timeline(request.author_id(), micros, request.id()), "");
  batch.Put(keys::kRequestsBySubject, keys::Timeline(request.subject_id(), micros, request.id()),
            "");
  batch.Put(keys::kRequestsByPair,
            keys::Pair(request.author_id(), request.subject_id(), request.id()), "");
}

// A recommendation as read, its versions and its index entries.
absl::Status EraseRecommendation(const storage::Engine& engine, WriteBatch& batch,
                                 const v1::Recommendation& stored) {
  const std::string& id = stored.id();
  const int64_t micros = UnixMicros(stored.create_time());
  batch.Delete(keys::kRecommendations, keys::Id(id));
  batch.Delete(keys::kBySubject, keys::Timeline(stored.subject_id(), micros, id));
  batch.Delete(keys::kByAuthor, keys::Timeline(stored.author_id(), micros, id));
  batch.Delete(keys::kByPair, keys::Pair(stored.author_id(), stored.subject_id(), id));
  return engine.Scan(keys::kVersions, {.prefix = keys::VersionsPrefix(id)},
                     [&](std::string_view key, std::string_view) -> storage::Engine::Visit {
                       batch.Delete(keys::kVersions, key);
                       return true;
                     });
}

void EraseRequest(WriteBatch& batch, const v1::RecommendationRequest& stored) {
  const int64_t micros = UnixMicros(stored.create_time());
  batch.Delete(keys::kRequests, keys::Id(stored.id()));
  batch.Delete(keys::kRequestsByAuthor, keys::Timeline(stored.author_id(), micros, stored.id()));
  batch.Delete(keys::kRequestsBySubject, keys::Timeline(stored.subject_id(), micros, stored.id()));
  batch.Delete(keys::kRequestsByPair,
               keys::Pair(stored.author_id(), stored.subject_id(), stored.id()));
}

void EraseShare(WriteBatch& batch, const internal::ShareRecord& stored) {
  const v1::Share& share = stored.share();
  batch.Delete(keys::kShares, keys::Id(share.id()));
  batch.Delete(keys::kShareTokens, keys::ShareToken(stored.token_hash()));
  batch.Delete(keys::kSharesBySubject,
               keys::Timeline(share.subject_id(), UnixMicros(share.create_time()), share.id()));
}

}  // namespace

absl::StatusOr<std::unique_ptr<RocksDbRecommendationStore>> RocksDbRecommendationStore::Open(
    const std::string& path, bool sync_writes) {
  storage::EngineOptions options;
  options.path = path;
  options.families = keys::FamilyNames();
  options.prefixed_families = keys::PrefixedFamilies();
  options.schema_version = keys::kSchemaVersion;
  options.migrations = {{.from = 1, .run = IndexRequestsByPair},
                        // Version 3 only adds a family; old entries stay inline.
                        {.from = 2, .run = [](storage::Engine&) { return absl::OkStatus(); }}};
  options.sync_writes = sync_writes;
  auto engine = storage::Engine::Open(std::move(options));
  if (!engine.ok()) return engine.status();
  return std::unique_ptr<RocksDbRecommendationStore>(
      new RocksDbRecommendationStore(std::move(*engine)));
}

absl::StatusOr<std::optional<v1::Recommendation>> RocksDbRecommendationStore::Recommendation(
    const std::string& id) const {
  return ParseIfPresent<v1::Recommendation>(engine_->Get(keys::kRecommendations, keys::Id(id)));
}

absl::StatusOr<std::vector<v1::Recommendation>> RocksDbRecommendationStore::Recommendations(
    const std::vector<std::string>& ids) const {
  std::vector<std::string> lookups;
  for (const auto& id : ids) lookups.push_back(keys::Id(id));
  return storage::ParseFound<v1::Recommendation>(
      engine_->MultiGet(keys::kRecommendations, lookups));
}

template <typename Record>
absl::StatusOr<storage::Page<Record>> RocksDbRecommendationStore::Timeline(
    storage::Family index, storage::Family records, const std::string& person,
    const std::string& cursor, int limit, absl::FunctionRef<bool(const Record&)> keep) const {
  auto snapshot = engine_->TakeSnapshot();
  return storage::ScanPage<Record>(
      *engine_, index,
      {.prefix = keys::TimelinePrefix(person), .start_after = cursor, .reverse = true}, limit,
      snapshot.get(),
      [&](std::string_view key, std::string_view) -> absl::StatusOr<std::optional<Record>> {
        auto record = ParseIfPresent<Record>(
            engine_->Get(records, keys::Id(keys::IdOfTimeline(key)), snapshot.get()));
        if (!record.ok()) return record.status();
        if (!record->has_value()) {
          return absl::DataLossError("a timeline entry names a record that is missing");
        }
        if (!keep(**record)) return std::nullopt;
        return record;
      });
}

absl::StatusOr<storage::Page<v1::Recommendation>>
RocksDbRecommendationStore::RecommendationsOfSubject(const std::string& subject,
                                                     const std::string& cursor, int limit,
                                                     RecommendationFilter keep) const {
  return Timeline<v1::Recommendation>(keys::kBySubject, keys::kRecommendations, subject, cursor,
                                      limit, keep);
}

absl::StatusOr<storage::Page<v1::Recommendation>>
RocksDbRecommendationStore::RecommendationsByAuthor(const std::string& author,
                                                    const std::string& cursor, int limit,
                                                    RecommendationFilter keep) const {
  return Timeline<v1::Recommendation>(keys::kByAuthor, keys::kRecommendations, author, cursor,
                                      limit, keep);
}

absl::StatusOr<std::vector<v1::Recommendation>> RocksDbRecommendationStore::Versions(
    const std::string& id) const {
  std::vector<v1::Recommendation> versions;
  absl::Status scanned =
      engine_->Scan(keys::kVersions, {.prefix = keys::VersionsPrefix(id), .reverse = true},
                    [&](std::string_view, std::string_view value) -> storage::Engine::Visit {
                      auto version = ParseValue<v1::Recommendation>(value);
                      if (!version.ok()) return version.status();
                      versions.push_back(std::move(*version));
                      return true;
                    });
  if (!scanned.ok()) return scanned;
  return versions;
}

absl::StatusOr<std::vector<std::string>> RocksDbRecommendationStore::RecommendationIdsOfPair(
    const std::string& author, const std::string& subject) const {
  std::vector<std::string> ids;
  absl::Status scanned = engine_->Scan(keys::kByPair, {.prefix = keys::PairPrefix(author, subject)},
                                       [&](std::string_view key, std::string_view) {
                                         ids.push_back(keys::IdOfPair(key));
                                         return true;
                                       });
  if (!scanned.ok()) return scanned;
  return ids;
}

absl::StatusOr<std::optional<v1::RecommendationRequest>> RocksDbRecommendationStore::Request(
    const std::string& id) const {
  return ParseIfPresent<v1::RecommendationRequest>(engine_->Get(keys::kRequests, keys::Id(id)));
}

absl::StatusOr<storage::Page<v1::RecommendationRequest>>
RocksDbRecommendationStore::RequestsToAuthor(const std::string& author, const std::string& cursor,
                                             int limit) const {
  return Timeline<v1::RecommendationRequest>(keys::kRequestsByAuthor, keys::kRequests, author,
                                             cursor, limit, kEverything);
}

absl::StatusOr<storage::Page<v1::RecommendationRequest>>
RocksDbRecommendationStore::RequestsFromSubject(const std::string& subject,
                                                const std::string& cursor, int limit) const {
  return Timeline<v1::RecommendationRequest>(keys::kRequestsBySubject, keys::kRequests, subject,
                                             cursor, limit, kEverything);
}

absl::StatusOr<std::optional<v1::RecommendationRequest>> RocksDbRecommendationStore::OpenRequest(
    const std::string& subject, const std::string& author) const {
  std::optional<v1::RecommendationRequest> open;
  absl::Status scanned =
      engine_->Scan(keys::kRequestsByPair, {.prefix = keys::PairPrefix(author, subject)},
                    [&](std::string_view key, std::string_view) -> storage::Engine::Visit {
                      auto request = Request(keys::IdOfPair(key));
                      if (!request.ok()) return request.status();
                      if (request->has_value() && (*request)->state() == v1::REQUEST_STATE_OPEN) {
                        open = std::move(*request);
                        return false;
                      }
                      return true;
                    });
  if (!scanned.ok()) return scanned;
  return open;
}

absl::StatusOr<int> RocksDbRecommendationStore::CountRequestsSince(const std::string& subject,
                                                                   absl::Time since,
                                                                   int up_to) const {
  // Newest first: the scan stops at the first request older than `since`.
  const int64_t since_micros = absl::ToUnixMicros(since);
  int count = 0;
  absl::Status scanned = engine_->Scan(keys::kRequestsBySubject,
                                       {.prefix = keys::TimelinePrefix(subject), .reverse = true},
                                       [&](std::string_view key, std::string_view) {
                                         if (keys::MicrosOfTimeline(key) < since_micros)
                                           return false;
                                         return ++count < up_to;
                                       });
  if (!scanned.ok()) return scanned;
  return count;
}

absl::StatusOr<std::optional<v1::BlockedRequester>> RocksDbRecommendationStore::Blocked(
    const std::string& author, const std::string& requester) const {
  return ParseIfPresent<v1::BlockedRequester>(
      engine_->Get(keys::kBlocks, keys::Block(author, requester)));
}

absl::StatusOr<storage::Page<v1::BlockedRequester>> RocksDbRecommendationStore::BlockedRequesters(
    const std::string& author, const std::string& cursor, int limit) const {
  return storage::ScanPage<v1::BlockedRequester>(
      *engine_, keys::kBlocks, {.prefix = keys::BlocksPrefix(author), .start_after = cursor}, limit,
      nullptr, storage::ParsedValue<v1::BlockedRequester>);
}

absl::StatusOr<int> RocksDbRecommendationStore::CountBlocked(const std::string& author,
                                                             int up_to) const {
  return storage::CountKeys(*engine_, keys::kBlocks, {.prefix = keys::BlocksPrefix(author)}, up_to);
}

absl::StatusOr<std::optional<internal::ShareRecord>> RocksDbRecommendationStore::Share(
    const std::string& id) const {
  return ParseIfPresent<internal::ShareRecord>(engine_->Get(keys::kShares, keys::Id(id)));
}

absl::StatusOr<std::optional<internal::ShareRecord>> RocksDbRecommendationStore::ShareByTokenHash(
    const std::string& token_hash) const {
  auto id = engine_->Find(keys::kShareTokens, keys::ShareToken(token_hash));
  if (!id.ok()) return id.status();
  if (!id->has_value()) return std::nullopt;
  return Share(**id);
}

absl::StatusOr<storage::Page<v1::Share>> RocksDbRecommendationStore::SharesOfSubject(
    const std::string& subject, const std::string& cursor, int limit) const {
  auto records = Timeline<internal::ShareRecord>(keys::kSharesBySubject, keys::kShares, subject,
                                                 cursor, limit, kEverything);
  if (!records.ok()) return records.status();
  storage::Page<v1::Share> page{.next_cursor = std::move(records->next_cursor)};
  for (auto& record : records->items) page.items.push_back(std::move(*record.mutable_share()));
  return page;
}

absl::StatusOr<storage::Page<v1::AccessEntry>> RocksDbRecommendationStore::AccessLog(
    const std::string& person, const std::string& cursor, int limit) const {
  // One point in time for the timeline and the entries it names.
  std::unique_ptr<storage::Snapshot> snapshot = engine_->TakeSnapshot();
  return storage::ScanPage<v1::AccessEntry>(
      *engine_, keys::kAccessLog,
      {.prefix = keys::TimelinePrefix(person), .start_after = cursor, .reverse = true}, limit,
      snapshot.get(),
      [&](std::string_view key,
          std::string_view value) -> absl::StatusOr<std::optional<v1::AccessEntry>> {
        // Written before schema version 3: the entry itself.
        if (!value.empty()) return storage::ParsedValue<v1::AccessEntry>(key, value);
        auto entry =
            engine_->Get(keys::kAccessEntries, keys::Id(keys::IdOfTimeline(key)), snapshot.get());
        if (!entry.ok()) return entry.status();
        return storage::ParsedValue<v1::AccessEntry>(key, *entry);
      });
}

absl::StatusOr<int> RocksDbRecommendationStore::EraseAccessLog(const std::string& person,
                                                               int limit) {
  WriteBatch batch;
  int erased = 0;
  absl::Status scanned = engine_->Scan(
      keys::kAccessLog, {.prefix = keys::TimelinePrefix(person), .reverse = true},
      [&](std::string_view key, std::string_view value) -> storage::Engine::Visit {
        const std::string entry_id = keys::IdOfTimeline(key);
        const int64_t micros = keys::MicrosOfTimeline(key);
        // Written before schema version 3: each reader's log holds a copy.
        const bool inline_copy = !value.empty();
        std::string stored(value);
        if (!inline_copy) {
          auto shared = engine_->Get(keys::kAccessEntries, keys::Id(entry_id));
          if (absl::IsNotFound(shared.status())) {
            // Names an entry already gone: nothing to say of anyone.
            batch.Delete(keys::kAccessLog, key);
            return ++erased < limit;
          }
          if (!shared.ok()) return shared.status();
          stored = std::move(*shared);
        }
        auto entry = storage::ParsedValue<v1::AccessEntry>(key, stored);
        if (!entry.ok()) return entry.status();
        const std::optional<v1::AccessEntry> kept = AccessWithout(**entry, person);
        batch.Delete(keys::kAccessLog, key);
        for (const std::string& reader : ReadersOf(**entry)) {
          if (reader == person) continue;
          const std::string theirs = keys::Timeline(reader, micros, entry_id);
          if (!kept) {
            batch.Delete(keys::kAccessLog, theirs);
          } else if (inline_copy) {
            batch.Put(keys::kAccessLog, theirs, kept->SerializeAsString());
          }
        }
        if (!inline_copy) {
          if (kept) {
            batch.Put(keys::kAccessEntries, keys::Id(entry_id), kept->SerializeAsString());
          } else {
            batch.Delete(keys::kAccessEntries, keys::Id(entry_id));
          }
        }
        return ++erased < limit;
      });
  if (!scanned.ok()) return scanned;
  if (erased == 0) return 0;
  if (auto written = engine_->Write(std::move(batch)); !written.ok()) return written.status();
  return erased;
}

absl::StatusOr<int> RocksDbRecommendationStore::EraseBlocksOf(const std::string& requester) {
  WriteBatch batch;
  int erased = 0;
  absl::Status scanned = engine_->Scan(
      keys::kBlocks, {}, [&](std::string_view key, std::string_view) -> storage::Engine::Visit {
        if (keys::RequesterOfBlock(key) == requester) {
          batch.Delete(keys::kBlocks, key);
          ++erased;
        }
        return true;
      });
  if (!scanned.ok()) return scanned;
  if (erased == 0) return 0;
  if (auto written = engine_->Write(std::move(batch)); !written.ok()) return written.status();
  return erased;
}

absl::StatusOr<std::string> RocksDbRecommendationStore::Marker(const std::string& name) const {
  return engine_->Marker(name);
}

absl::Status RocksDbRecommendationStore::SetMarker(const std::string& name,
                                                   const std::string& value) {
  return engine_->SetMarker(name, value);
}

absl::StatusOr<std::string> RocksDbRecommendationStore::TrustCursor() const {
  auto cursor = engine_->GetMeta(keys::kWatchCursorMeta);
  if (absl::IsNotFound(cursor.status())) return std::string();
  return cursor;
}

absl::Status RocksDbRecommendationStore::Apply(const RecommendationWrite& write) {
  // One process writes this database: the logic's locks made the checks
  // that the puts' `previous` states.
  WriteBatch batch;
  for (const auto& put : write.recommendations()) PutRecommendation(batch, put);
  for (const auto& erased : write.erased_recommendations()) {
    if (absl::Status forgotten = EraseRecommendation(*engine_, batch, erased); !forgotten.ok()) {
      return forgotten;
    }
  }
  for (const auto& erased : write.erased_requests()) EraseRequest(batch, erased);
  for (const auto& erased : write.erased_shares()) EraseShare(batch, erased);
  for (const auto& [request, created, previous] : write.requests()) {
    batch.Put(keys::kRequests, keys::Id(request.id()), request.SerializeAsString());
    if (created) IndexRequest(batch, request);
  }
  for (const auto& [record, created, previous] : write.shares()) {
    const v1::Share& share = record.share();
    batch.Put(keys::kShares, keys::Id(share.id()), record.SerializeAsString());
    if (!created) continue;
    batch.Put(keys::kShareTokens, keys::ShareToken(record.token_hash()), share.id());
    batch.Put(keys::kSharesBySubject,
              keys::Timeline(share.subject_id(), UnixMicros(share.create_time()), share.id()), "");
  }
  // A read shown to twenty authors is one entry, named by twenty timelines.
  absl::flat_hash_set<std::string> entries_put;
  for (const auto& access : write.accesses()) {
    if (entries_put.insert(access.entry_id).second) {
      batch.Put(keys::kAccessEntries, keys::Id(access.entry_id), access.entry.SerializeAsString());
    }
    batch.Put(keys::kAccessLog,
              keys::Timeline(access.person, UnixMicros(access.entry.time()), access.entry_id), "");
  }
  for (const auto& [author, blocked] : write.blocks()) {
    batch.Put(keys::kBlocks, keys::Block(author, blocked.person_id()), blocked.SerializeAsString());
  }
  for (const auto& [author, requester] : write.unblocks()) {
    batch.Delete(keys::kBlocks, keys::Block(author, requester));
  }
  if (write.trust_cursor()) batch.PutMeta(keys::kWatchCursorMeta, *write.trust_cursor());
  for (const auto& request : write.request_records()) {
    batch.Put(keys::kIdempotency, keys::Idempotency(request.key.scope, request.key.request_id),
              StoredRequest(request).SerializeAsString());
  }
  if (write.sync_later()) batch.DeferSync();
  return engine_->Write(std::move(batch)).status();
}

absl::StatusOr<std::optional<RequestRecord>> RocksDbRecommendationStore::FindRequest(
    const RequestKey& key) const {
  auto stored = ParseIfPresent<internal::RequestRecord>(
      engine_->Get(keys::kIdempotency, keys::Idempotency(key.scope, key.request_id)));
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return std::nullopt;
  return LoadedRequest(key, **stored);
}

absl::StatusOr<std::string> RocksDbRecommendationStore::KeepSecret(const std::string& name,
                                                                   const std::string& fresh) {
  return engine_->KeepMeta(name, fresh);
}

absl::Status IndexRequestsByPair(storage::Engine& engine) {
  storage::BatchedWriter writer(engine, /*items_per_batch=*/1000);
  absl::Status scanned = engine.Scan(
      keys::kRequests, {}, [&](std::string_view, std::string_view value) -> storage::Engine::Visit {
        auto request = ParseValue<v1::RecommendationRequest>(value);
        if (!request.ok()) return request.status();
        writer.batch().Put(keys::kRequestsByPair,
                           keys::Pair(request->author_id(), request->subject_id(), request->id()),
                           "");
        if (absl::Status written = writer.Added(); !written.ok()) return written;
        return true;
      });
  if (!scanned.ok()) return scanned;
  return writer.Finish();
}

}  // namespace trustsphere::recommendations
