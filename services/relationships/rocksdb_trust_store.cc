#include "services/relationships/rocksdb_trust_store.h"

#include "absl/strings/str_cat.h"
#include "records.pb.h"
#include "services/relationships/relationships_keys.h"
#include "services/relationships/stored_records.h"
#include "storage/batched_writer.h"
#include "storage/paging.h"
#include "storage/proto_value.h"

namespace trustsphere::relationships {
namespace {

using storage::ParseValue;
using storage::WriteBatch;

absl::StatusOr<ReferenceEdge> ParseEdge(std::string other, std::string_view bytes) {
  auto edge = ParseValue<internal::ReferenceEdge>(bytes);
  if (!edge.ok()) return edge.status();
  return ReferenceEdge{.other = std::move(other),
                       .outgoing = edge->outgoing_visibility(),
                       .incoming = edge->incoming_visibility()};
}

absl::Status NoIndexes() {
  return absl::FailedPreconditionError(
      "this store leaves its indexes to the trust graph: read through GraphTrustStore");
}

class RocksDbTrustReader final : public TrustReader {
 public:
  // snapshot null: each read sees the latest state.
  RocksDbTrustReader(const storage::Engine& engine, std::unique_ptr<storage::Snapshot> snapshot,
                     TrustIndexes indexes)
      : engine_(engine), snapshot_(std::move(snapshot)), indexed_(indexes == TrustIndexes::kKept) {}

  absl::StatusOr<std::optional<v1::TrustStatement>> Statement(const std::string& truster,
                                                              const std::string& trustee) override {
    return storage::ParseIfPresent<v1::TrustStatement>(
        engine_.Get(keys::kStatements, keys::Pair(truster, trustee), at()));
  }

  absl::StatusOr<std::vector<std::optional<v1::TrustStatement>>> Statements(
      const std::vector<std::pair<std::string, std::string>>& pairs) override {
    std::vector<std::string> lookups;
    lookups.reserve(pairs.size());
    for (const auto& [truster, trustee] : pairs) lookups.push_back(keys::Pair(truster, trustee));
    return storage::ParseEach<v1::TrustStatement>(
        engine_.MultiGet(keys::kStatements, lookups, at()));
  }

  absl::StatusOr<std::optional<ReferenceEdge>> Reference(const std::string& person,
                                                         const std::string& other) override {
    if (!indexed_) return NoIndexes();
    auto bytes = engine_.Find(keys::kReferences, keys::Pair(person, other), at());
    if (!bytes.ok()) return bytes.status();
    if (!bytes->has_value()) return std::nullopt;
    auto edge = ParseEdge(other, **bytes);
    if (!edge.ok()) return edge.status();
    return std::optional<ReferenceEdge>(std::move(*edge));
  }

  absl::StatusOr<storage::Page<v1::TrustStatement>> Outgoing(const std::string& person,
                                                             const std::string& cursor, int limit,
                                                             StatementFilter keep) override {
    return OthersPage<v1::TrustStatement>(
        keys::kStatements, person, cursor, limit,
        [&](std::string_view,
            std::string_view value) -> absl::StatusOr<std::optional<v1::TrustStatement>> {
          auto statement = ParseValue<v1::TrustStatement>(value);
          if (!statement.ok()) return statement.status();
          if (!keep(*statement)) return std::nullopt;
          return std::optional<v1::TrustStatement>(std::move(*statement));
        });
  }

  absl::StatusOr<storage::Page<v1::TrustStatement>> Incoming(const std::string& person,
                                                             const std::string& cursor, int limit,
                                                             StatementFilter keep) override {
    if (!indexed_) return NoIndexes();
    return StatementsAbout(keys::kIncoming, person, cursor, limit, keep);
  }

  absl::StatusOr<storage::Page<v1::TrustStatement>> Pending(const std::string& person,
                                                            const std::string& cursor, int limit,
                                                            StatementFilter keep) override {
    if (!indexed_) return NoIndexes();
    return StatementsAbout(keys::kPending, person, cursor, limit, keep);
  }

  absl::StatusOr<storage::Page<ReferenceEdge>> References(const std::string& person,
                                                          const std::string& cursor, int limit,
                                                          EdgeFilter keep) override {
    if (!indexed_) return NoIndexes();
    return OthersPage<ReferenceEdge>(
        keys::kReferences, person, cursor, limit,
        [&](std::string_view key,
            std::string_view value) -> absl::StatusOr<std::optional<ReferenceEdge>> {
          auto edge = ParseEdge(keys::SecondOfPair(key), value);
          if (!edge.ok()) return edge.status();
          if (!keep(*edge)) return std::nullopt;
          return std::optional<ReferenceEdge>(std::move(*edge));
        });
  }

  absl::Status VisitReferences(const std::string& person,
                               absl::FunctionRef<bool(const ReferenceEdge&)> visit) override {
    if (!indexed_) return NoIndexes();
    return engine_.Scan(
        keys::kReferences, {.prefix = keys::PairPrefix(person)},
        [&](std::string_view key, std::string_view value) -> storage::Engine::Visit {
          auto edge = ParseEdge(keys::SecondOfPair(key), value);
          if (!edge.ok()) return edge.status();
          return visit(*edge);
        },
        at());
  }

  absl::Status VisitFacetHolders(const std::string& subject, const common::v1::Facet& facet,
                                 absl::FunctionRef<bool(const FacetHolder&)> visit) override {
    if (!indexed_) return NoIndexes();
    const std::string prefix =
        keys::FacetPrefix(subject, static_cast<uint8_t>(facet.kind()), facet.key());
    return engine_.Scan(
        keys::kFacets, {.prefix = prefix},
        [&](std::string_view key, std::string_view value) -> storage::Engine::Visit {
          auto entry = ParseValue<internal::FacetEntry>(value);
          if (!entry.ok()) return entry.status();
          return visit({.truster = keys::TrusterOfFacet(key, prefix.size()),
                        .visibility = entry->visibility()});
        },
        at());
  }

  absl::StatusOr<StatementCounts> Counts(const std::string& person) override {
    if (!indexed_) return NoIndexes();
    auto counters =
        engine_.GetCounters(keys::kCounters, keys::Counters(person), keys::kCounterCount, at());
    if (!counters.ok()) return counters.status();
    return StatementCounts{
        .active = (*counters)[0], .kept = (*counters)[1], .unanswered = (*counters)[2]};
  }

  absl::Status VisitStatements(
      absl::FunctionRef<absl::StatusOr<bool>(const v1::TrustStatement&)> visit) override {
    // One message for all: parsing into it again reuses its allocations.
    v1::TrustStatement statement;
    return engine_.Scan(
        keys::kStatements, {},
        [&](std::string_view, std::string_view value) -> storage::Engine::Visit {
          if (!statement.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
            return absl::DataLossError("a stored statement does not parse");
          }
          return visit(statement);
        },
        at());
  }

  absl::StatusOr<std::vector<uint64_t>> ChangeSequencesAfter(uint64_t after) override {
    std::vector<uint64_t> sequences;
    auto collect = [&](uint64_t sequence, std::string_view) -> storage::Engine::Visit {
      sequences.push_back(sequence);
      return true;
    };
    absl::Status scanned = snapshot_ ? engine_.ScanChanges(after, *snapshot_, collect)
                                     : engine_.ScanChanges(after, collect);
    if (!scanned.ok()) return scanned;
    return sequences;
  }

 private:
  const storage::Snapshot* at() const { return snapshot_.get(); }

  // A page of the Pair(person, other) entries of `family`; its cursor is the
  // other's id of its last item.
  template <typename Item>
  absl::StatusOr<storage::Page<Item>> OthersPage(
      storage::Family family, const std::string& person, const std::string& cursor, int limit,
      absl::FunctionRef<absl::StatusOr<std::optional<Item>>(std::string_view, std::string_view)>
          convert) {
    auto page =
        storage::ScanPage<Item>(engine_, family,
                                {.prefix = keys::PairPrefix(person),
                                 .start_after = cursor.empty() ? "" : keys::Pair(person, cursor)},
                                limit, at(), convert);
    if (page.ok() && !page->next_cursor.empty()) {
      page->next_cursor = keys::SecondOfPair(page->next_cursor);
    }
    return page;
  }

  // An index of Pair(person, truster) entries, each naming the statement
  // truster -> person.
  absl::StatusOr<storage::Page<v1::TrustStatement>> StatementsAbout(storage::Family index,
                                                                    const std::string& person,
                                                                    const std::string& cursor,
                                                                    int limit,
                                                                    StatementFilter keep) {
    return OthersPage<v1::TrustStatement>(
        index, person, cursor, limit,
        [&](std::string_view key,
            std::string_view) -> absl::StatusOr<std::optional<v1::TrustStatement>> {
          auto statement = Statement(keys::SecondOfPair(key), person);
          if (!statement.ok()) return statement.status();
          if (!statement->has_value()) {
            return absl::DataLossError("an index entry names a statement that is missing");
          }
          if (!keep(**statement)) return std::nullopt;
          return statement;
        });
  }

  const storage::Engine& engine_;
  std::unique_ptr<storage::Snapshot> snapshot_;
  const bool indexed_;
};

void WriteFacets(WriteBatch& batch, const v1::TrustStatement& statement, bool put) {
  internal::FacetEntry entry;
  entry.set_visibility(statement.visibility());
  const std::string value = entry.SerializeAsString();
  for (const auto& facet : statement.sphere().inside()) {
    std::string key = keys::Facet(statement.trustee_id(), static_cast<uint8_t>(facet.kind()),
                                  facet.key(), statement.truster_id());
    if (put) {
      batch.Put(keys::kFacets, key, value);
    } else {
      batch.Delete(keys::kFacets, key);
    }
  }
}

void PutEdge(WriteBatch& batch, const std::string& person, const std::string& other,
             v1::Visibility outgoing, v1::Visibility incoming) {
  internal::ReferenceEdge edge;
  edge.set_outgoing_visibility(outgoing);
  edge.set_incoming_visibility(incoming);
  batch.Put(keys::kReferences, keys::Pair(person, other), edge.SerializeAsString());
}

// pending(trustee, truster) exists while truster -> trustee is active and
// the trustee has not answered.
void SetPending(WriteBatch& batch, const std::string& trustee, const std::string& truster,
                bool pending) {
  if (pending) {
    batch.Put(keys::kPending, keys::Pair(trustee, truster), "");
  } else {
    batch.Delete(keys::kPending, keys::Pair(trustee, truster));
  }
}

void AddCounts(WriteBatch& batch, const std::string& person, const StatementCounts& delta) {
  if (delta == StatementCounts()) return;
  batch.AddCounters(keys::kCounters, keys::Counters(person),
                    {delta.active, delta.kept, delta.unanswered});
}

// The indexes of `change`: what a reader without the trust graph needs.
void WriteIndexes(WriteBatch& batch, const StatementChange& change) {
  const v1::TrustStatement& after = change.after;
  const std::string& truster = after.truster_id();
  const std::string& trustee = after.trustee_id();
  const bool active = after.state() == v1::TRUST_STATE_ACTIVE;
  const bool reverse_active = IsActive(change.reverse);

  if (IsErased(after)) {
    batch.Delete(keys::kIncoming, keys::Pair(trustee, truster));
  } else {
    batch.Put(keys::kIncoming, keys::Pair(trustee, truster), "");
  }

  if (IsActive(change.before)) WriteFacets(batch, *change.before, /*put=*/false);
  if (active) WriteFacets(batch, after, /*put=*/true);

  if (active && reverse_active) {
    PutEdge(batch, truster, trustee, after.visibility(), change.reverse->visibility());
    PutEdge(batch, trustee, truster, change.reverse->visibility(), after.visibility());
  } else {
    batch.Delete(keys::kReferences, keys::Pair(truster, trustee));
    batch.Delete(keys::kReferences, keys::Pair(trustee, truster));
  }
  SetPending(batch, trustee, truster, active && !reverse_active);
  SetPending(batch, truster, trustee, reverse_active && !active);

  const CountDeltas deltas = DeltasOf(change);
  AddCounts(batch, truster, deltas.truster);
  AddCounts(batch, trustee, deltas.trustee);
}

void WriteChange(WriteBatch& batch, const StatementChange& change, TrustIndexes indexes) {
  const v1::TrustStatement& after = change.after;
  const std::string& truster = after.truster_id();
  const std::string& trustee = after.trustee_id();
  std::vector<std::pair<storage::Family, std::string>> traced_under;
  if (IsErased(after)) {
    batch.Delete(keys::kStatements, keys::Pair(truster, trustee));
  } else {
    batch.Put(keys::kStatements, keys::Pair(truster, trustee), after.SerializeAsString());
    // An erasure's own entry holds nothing to erase again.
    traced_under.emplace_back(keys::kTraces, keys::ChangeTracePrefix(truster, trustee));
  }
  if (indexes == TrustIndexes::kKept) WriteIndexes(batch, change);

  batch.AppendChange(ChangeRecordOf(change).SerializeAsString(), std::move(traced_under));
}

// Adds to `batch` what erasing truster -> trustee does besides removing
// the statement: every change-log entry of it becomes an erasure, every
// request record answered with it goes, and so do their traces.
absl::Status ForgetTraces(const storage::Engine& engine, const std::string& truster,
                          const std::string& trustee, WriteBatch& batch) {
  const std::string prefix = keys::TracePrefix(truster, trustee);
  const std::string erased = ErasedChangeRecord(truster, trustee).SerializeAsString();
  return engine.Scan(keys::kTraces, {.prefix = prefix},
                     [&](std::string_view key, std::string_view) -> storage::Engine::Visit {
                       auto trace = keys::TraceAfter(key, prefix.size());
                       if (!trace) return absl::DataLossError("a trace key does not parse");
                       if (trace->request.empty()) {
                         batch.RewriteChange(trace->sequence, erased);
                       } else {
                         batch.Delete(keys::kRequests, trace->request);
                       }
                       batch.Delete(keys::kTraces, key);
                       return true;
                     });
}

// Version 4's traces, from the change log and the request records that
// version 3 kept without them. Puts only, so a run cut short and run again
// gives the same traces.
absl::Status TraceHistory(storage::Engine& engine) {
  storage::BatchedWriter writer(engine, /*items_per_batch=*/10000);
  auto put = [&](const std::string& key) {
    writer.batch().Put(keys::kTraces, key, "");
    return writer.Added();
  };
  absl::Status changes = engine.Scan(
      keys::kChanges, {},
      [&](std::string_view key, std::string_view value) -> storage::Engine::Visit {
        auto record = ParseValue<internal::ChangeRecord>(value);
        if (!record.ok()) return record.status();
        const uint64_t sequence = keys::SequenceOfChange(key);
        if (sequence == 0) return absl::DataLossError("a change-log key does not parse");
        const v1::TrustStatement& statement = record->statement();
        if (IsErased(statement)) return true;
        absl::Status traced =
            put(keys::ChangeTrace(statement.truster_id(), statement.trustee_id(), sequence));
        if (!traced.ok()) return traced;
        return true;
      });
  if (!changes.ok()) return changes;
  absl::Status requests =
      engine.Scan(keys::kRequests, {},
                  [&](std::string_view key, std::string_view value) -> storage::Engine::Visit {
                    auto record = ParseValue<internal::RequestRecord>(value);
                    if (!record.ok()) return record.status();
                    absl::Status traced = put(keys::RequestTrace(
                        record->result().truster_id(), record->result().trustee_id(), key));
                    if (!traced.ok()) return traced;
                    return true;
                  });
  if (!requests.ok()) return requests;
  return writer.Finish();
}

// Records, durably and before any write, that the indexes stop following
// the statements; refuses to keep indexes that stopped earlier.
absl::Status SettleIndexes(storage::Engine& engine, const std::string& path, TrustIndexes indexes) {
  auto recorded = engine.GetMeta(keys::kIndexesMeta);
  if (!recorded.ok() && !absl::IsNotFound(recorded.status())) return recorded.status();
  const bool left = recorded.ok() && *recorded == keys::kIndexesLeftToTheGraph;
  if (indexes == TrustIndexes::kKept && left) {
    return absl::FailedPreconditionError(
        absl::StrCat(path,
                     " left its indexes to the trust graph; open it through the "
                     "relationships server (GraphTrustStore), not as an indexed store"));
  }
  if (indexes == TrustIndexes::kKept || left) return absl::OkStatus();
  WriteBatch batch;
  batch.PutMeta(keys::kIndexesMeta, keys::kIndexesLeftToTheGraph);
  return engine.Write(std::move(batch)).status();
}

}  // namespace

absl::StatusOr<std::unique_ptr<RocksDbTrustStore>> RocksDbTrustStore::Open(const std::string& path,
                                                                           bool sync_writes,
                                                                           TrustIndexes indexes) {
  storage::EngineOptions options;
  options.path = path;
  options.families = keys::FamilyNames();
  options.change_log = keys::kChanges;
  options.prefixed_families = {keys::kStatements, keys::kIncoming, keys::kReferences,
                               keys::kPending,    keys::kFacets,   keys::kRequests,
                               keys::kTraces};
  options.counter_families = {keys::kCounters};
  options.schema_version = keys::kSchemaVersion;
  // Version 3 only says that indexes may be left to the graph: nothing to
  // move.
  options.migrations = {{.from = 1, .run = CountStatements},
                        {.from = 2, .run = [](storage::Engine&) { return absl::OkStatus(); }},
                        {.from = 3, .run = TraceHistory}};
  options.sync_writes = sync_writes;
  auto engine = storage::Engine::Open(std::move(options));
  if (!engine.ok()) return engine.status();
  if (absl::Status settled = SettleIndexes(**engine, path, indexes); !settled.ok()) return settled;
  return std::unique_ptr<RocksDbTrustStore>(new RocksDbTrustStore(std::move(*engine), indexes));
}

std::unique_ptr<TrustReader> RocksDbTrustStore::Snapshot() const {
  return std::make_unique<RocksDbTrustReader>(*engine_, engine_->TakeSnapshot(), indexes_);
}

std::unique_ptr<TrustReader> RocksDbTrustStore::Latest() const {
  return std::make_unique<RocksDbTrustReader>(*engine_, nullptr, indexes_);
}

absl::StatusOr<uint64_t> RocksDbTrustStore::Apply(const std::vector<StatementChange>& changes,
                                                  const std::optional<RequestRecord>& request) {
  WriteBatch batch;
  for (const auto& change : changes) {
    if (IsErased(change.after)) {
      // The pair's lock, held by the caller, keeps its traces still.
      absl::Status forgotten =
          ForgetTraces(*engine_, change.after.truster_id(), change.after.trustee_id(), batch);
      if (!forgotten.ok()) return forgotten;
    }
    WriteChange(batch, change, indexes_);
  }
  if (request) {
    auto record = StoredRequest(*request);
    if (!record.ok()) return record.status();
    const std::string key = keys::Request(request->key.scope, request->key.request_id);
    batch.Put(keys::kRequests, key, record->SerializeAsString());
    batch.Put(keys::kTraces,
              keys::RequestTrace(record->result().truster_id(), record->result().trustee_id(), key),
              "");
  }
  auto sequences = engine_->Write(std::move(batch), [&](absl::Span<const uint64_t> committed) {
    if (commit_hook_) commit_hook_(changes, committed);
  });
  // Landed or failed, its numbers are no longer in flight: the watermark
  // may have moved past them, and past those of writes that landed first.
  if (committed_listener_ && !changes.empty()) committed_listener_();
  if (!sequences.ok()) return sequences.status();
  return sequences->empty() ? 0 : sequences->back();
}

absl::StatusOr<std::vector<TrustChangeEntry>> RocksDbTrustStore::Changes(uint64_t after,
                                                                         int limit) const {
  std::vector<TrustChangeEntry> entries;
  absl::Status scanned = engine_->ScanChanges(
      after, [&](uint64_t sequence, std::string_view value) -> storage::Engine::Visit {
        auto record = ParseValue<internal::ChangeRecord>(value);
        if (!record.ok()) return record.status();
        entries.push_back(EntryOf(sequence, std::move(*record)));
        return static_cast<int>(entries.size()) < limit;
      });
  if (!scanned.ok()) return scanned;
  return entries;
}

uint64_t RocksDbTrustStore::CommittedChangeSequence() const {
  return engine_->CommittedChangeSequence();
}

uint64_t RocksDbTrustStore::LastChangeSequence() const { return engine_->LastChangeSequence(); }

absl::StatusOr<std::optional<RequestRecord>> RocksDbTrustStore::FindRequest(
    const RequestKey& key) const {
  auto record = storage::ParseIfPresent<internal::RequestRecord>(
      engine_->Get(keys::kRequests, keys::Request(key.scope, key.request_id)));
  if (!record.ok()) return record.status();
  if (!record->has_value()) return std::nullopt;
  return LoadedRequest(key, **record);
}

absl::StatusOr<std::string> RocksDbTrustStore::Marker(const std::string& name) const {
  return engine_->Marker(name);
}

absl::Status RocksDbTrustStore::SetMarker(const std::string& name, const std::string& value) {
  return engine_->SetMarker(name, value);
}

absl::StatusOr<std::string> RocksDbTrustStore::KeepSecret(const std::string& name,
                                                          const std::string& fresh) {
  return engine_->KeepMeta(name, fresh);
}

absl::Status CountStatements(storage::Engine& engine) {
  // Statements are keyed truster first, so each person's statements are
  // read together and their counts set (not added: a migration cut short
  // and run again must give the same counts) once the next person starts.
  storage::BatchedWriter writer(engine, /*items_per_batch=*/1000);
  std::string person;
  StatementCounts counts;
  auto finish_person = [&]() -> absl::Status {
    if (person.empty()) return absl::OkStatus();
    writer.batch().PutCounters(keys::kCounters, keys::Counters(person),
                               {counts.active, counts.kept, counts.unanswered});
    return writer.Added();
  };
  absl::Status scanned = engine.Scan(
      keys::kStatements, {},
      [&](std::string_view key, std::string_view value) -> storage::Engine::Visit {
        const std::string truster = keys::FirstOfPair(key);
        if (truster != person) {
          if (absl::Status finished = finish_person(); !finished.ok()) return finished;
          person = truster;
          counts = StatementCounts();
        }
        auto statement = ParseValue<v1::TrustStatement>(value);
        if (!statement.ok()) return statement.status();
        StatementChange first{.after = std::move(*statement)};
        // Only an active statement waits for an answer.
        if (first.after.state() == v1::TRUST_STATE_ACTIVE) {
          auto back = storage::ParseIfPresent<v1::TrustStatement>(engine.Get(
              keys::kStatements, keys::Pair(first.after.trustee_id(), first.after.truster_id())));
          if (!back.ok()) return back.status();
          first.reverse = std::move(*back);
        }
        // Counted as if written now, by the rule every write counts by.
        Add(counts, DeltasOf(first).truster);
        return true;
      });
  if (!scanned.ok()) return scanned;
  if (absl::Status last = finish_person(); !last.ok()) return last;
  return writer.Finish();
}

}  // namespace trustsphere::relationships
