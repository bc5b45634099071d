#include "services/relationships/postgres_trust_store.h"

#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/relationships/postgres_trust_reader.h"
#include "services/relationships/stored_records.h"
#include "storage/postgres/pg_messages.h"
#include "storage/postgres/pg_named_values.h"
#include "storage/postgres/pg_schema.h"
#include "storage/write_outcome.h"

namespace trustsphere::relationships {
namespace {

using storage::ParseValue;
using storage::postgres::FirstOrNone;
using storage::postgres::PgConnection;
using storage::postgres::PgParam;
using storage::postgres::PgResult;

// The SQL kept to what YugabyteDB's YSQL documents (see
// postgres_identity_store.cc).
const std::vector<storage::postgres::PgMigration>& Migrations() {
  static const auto* migrations = new std::vector<storage::postgres::PgMigration>{
      {.to_version = 1,
       .statements =
           {
               "CREATE TABLE relationships_statements (truster bytea NOT NULL, "
               "trustee bytea NOT NULL, active boolean NOT NULL, visibility integer NOT NULL, "
               "record bytea NOT NULL, PRIMARY KEY (truster, trustee))",
               "CREATE INDEX relationships_statements_by_trustee ON relationships_statements "
               "(trustee, truster)",
               "CREATE TABLE relationships_facets (subject bytea NOT NULL, kind integer NOT NULL, "
               "key bytea NOT NULL, truster bytea NOT NULL, visibility integer NOT NULL, "
               "PRIMARY KEY (subject, kind, key, truster))",
               "CREATE INDEX relationships_facets_by_statement ON relationships_facets "
               "(subject, truster)",
               // low < high: the two ids of a pair, in byte order.
               "CREATE TABLE relationships_pairs (low bytea NOT NULL, high bytea NOT NULL, "
               "writes bigint NOT NULL, PRIMARY KEY (low, high))",
               "CREATE TABLE relationships_requests (scope bytea NOT NULL, request_id bytea NOT "
               "NULL, record bytea NOT NULL, PRIMARY KEY (scope, request_id))",
               "CREATE TABLE relationships_secrets (name bytea PRIMARY KEY, value bytea NOT NULL)",
               "CREATE TABLE relationships_markers (name bytea PRIMARY KEY, value bytea NOT NULL)",
               "CREATE TABLE relationships_changes (sequence bigint PRIMARY KEY, "
               "change bytea NOT NULL)",
               "CREATE TABLE relationships_change_head (one integer PRIMARY KEY CHECK (one = 1), "
               "sequence bigint NOT NULL)",
               "INSERT INTO relationships_change_head VALUES (1, 0)",
           }},
      // The statement each change-log entry and request record is about,
      // so that an erasure finds them by index; rows written before are
      // filled at open (FillStatementColumns).
      {.to_version = 2,
       .statements =
           {
               "ALTER TABLE relationships_changes ADD COLUMN truster bytea",
               "ALTER TABLE relationships_changes ADD COLUMN trustee bytea",
               "CREATE INDEX relationships_changes_by_statement ON relationships_changes "
               "(truster, trustee)",
               "ALTER TABLE relationships_requests ADD COLUMN truster bytea",
               "ALTER TABLE relationships_requests ADD COLUMN trustee bytea",
               "CREATE INDEX relationships_requests_by_statement ON relationships_requests "
               "(truster, trustee)",
           }},
  };
  return *migrations;
}

const std::vector<std::string> kTables = {"relationships_statements", "relationships_facets",
                                          "relationships_pairs",      "relationships_requests",
                                          "relationships_secrets",    "relationships_markers",
                                          "relationships_changes"};

// Changes read from the log per query when catching up.
constexpr int kCatchUpBatch = 512;

// How long a write may take (the port carries no deadline).
constexpr absl::Duration kWriteDeadline = absl::Seconds(10);

using Pair = std::pair<std::string, std::string>;
using PairStates = std::map<Pair, std::optional<v1::TrustStatement>>;

// Locks the pair of `change` against every other write to either direction
// and reads both statements as stored (or as written earlier in this
// write); false when one is no longer what the change was made from.
absl::StatusOr<bool> LockAndCheck(PgConnection& connection, const StatementChange& change,
                                  PairStates& written) {
  const std::string& truster = change.after.truster_id();
  const std::string& trustee = change.after.trustee_id();
  const auto [low, high] = std::minmax(truster, trustee);
  auto locked = connection.Exec(
      "INSERT INTO relationships_pairs VALUES ($1, $2, 1) ON CONFLICT (low, high) "
      "DO UPDATE SET writes = relationships_pairs.writes + 1",
      {PgParam::Bytes(low), PgParam::Bytes(high)});
  if (!locked.ok()) return locked.status();
  for (const auto& [pair, expected] : {std::pair{Pair{truster, trustee}, &change.before},
                                       std::pair{Pair{trustee, truster}, &change.reverse}}) {
    if (auto known = written.find(pair); known != written.end()) {
      if (!storage::postgres::SameRecord(*expected, known->second)) return false;
      continue;
    }
    auto stored = FirstOrNone<v1::TrustStatement>(
        connection.Exec("SELECT record FROM relationships_statements "
                        "WHERE truster = $1 AND trustee = $2",
                        {PgParam::Bytes(pair.first), PgParam::Bytes(pair.second)}));
    if (!stored.ok()) return stored.status();
    if (!storage::postgres::SameRecord(*expected, *stored)) return false;
  }
  return true;
}

// The statement's row and its facet rows.
absl::Status WriteStatement(PgConnection& connection, const v1::TrustStatement& statement) {
  const bool active = statement.state() == v1::TRUST_STATE_ACTIVE;
  const PgParam truster = PgParam::Bytes(statement.truster_id());
  const PgParam trustee = PgParam::Bytes(statement.trustee_id());
  const PgParam visibility = PgParam::Int(statement.visibility());
  auto row = connection.Exec(
      "INSERT INTO relationships_statements VALUES ($1, $2, $3::boolean, $4::integer, $5) "
      "ON CONFLICT (truster, trustee) DO UPDATE SET active = excluded.active, "
      "visibility = excluded.visibility, record = excluded.record",
      {truster, trustee, PgParam::Text(active ? "true" : "false"), visibility,
       PgParam::Bytes(statement.SerializeAsString())});
  if (!row.ok()) return row.status();
  auto cleared = connection.Exec(
      "DELETE FROM relationships_facets WHERE subject = $1 AND truster = $2", {trustee, truster});
  if (!cleared.ok()) return cleared.status();
  const auto& inside = statement.sphere().inside();
  if (!active || inside.empty()) return absl::OkStatus();
  // One row per facet: ($1 subject, $kind, $key, $2 truster, $3 visibility).
  std::vector<PgParam> params = {trustee, truster, visibility};
  std::string sql = "INSERT INTO relationships_facets VALUES ";
  for (int i = 0; i < inside.size(); ++i) {
    params.push_back(PgParam::Int(inside[i].kind()));
    params.push_back(PgParam::Bytes(inside[i].key()));
    absl::StrAppend(&sql, i == 0 ? "" : ", ", "($1, $", params.size() - 1, "::integer, $",
                    params.size(), ", $2, $3::integer)");
  }
  sql += " ON CONFLICT DO NOTHING";
  return connection.Exec(sql, params).status();
}

// Erasing truster -> trustee: its row, its facets and its request records
// go, and every change-log entry of it becomes an erasure.
absl::Status EraseStatement(PgConnection& connection, const v1::TrustStatement& erased) {
  const PgParam truster = PgParam::Bytes(erased.truster_id());
  const PgParam trustee = PgParam::Bytes(erased.trustee_id());
  const std::vector<std::pair<const char*, std::vector<PgParam>>> steps = {
      {"DELETE FROM relationships_statements WHERE truster = $1 AND trustee = $2",
       {truster, trustee}},
      {"DELETE FROM relationships_facets WHERE subject = $2 AND truster = $1", {truster, trustee}},
      {"DELETE FROM relationships_requests WHERE truster = $1 AND trustee = $2",
       {truster, trustee}},
      {"UPDATE relationships_changes SET change = $3 WHERE truster = $1 AND trustee = $2",
       {truster, trustee,
        PgParam::Bytes(
            ErasedChangeRecord(erased.truster_id(), erased.trustee_id()).SerializeAsString())}},
  };
  for (const auto& [sql, params] : steps) {
    if (auto done = connection.Exec(sql, params); !done.ok()) return done.status();
  }
  return absl::OkStatus();
}

// The marker set once every row written before schema version 2 names its
// statement.
constexpr char kStatementColumnsFilled[] = "statement columns filled";

// Fills the statement columns that schema version 2 added, for the rows
// written before it, a batch at a time; each row is filled once, by
// whichever replica gets there first, and the marker ends the work.
absl::Status FillStatementColumns(storage::postgres::PgPool& pool) {
  auto filled =
      storage::postgres::NamedValue(pool, "relationships_markers", kStatementColumnsFilled);
  if (!filled.ok()) return filled.status();
  if (!filled->empty()) return absl::OkStatus();
  constexpr int kBatch = 512;
  struct Table {
    const char* select;
    const char* update;
  };
  const Table tables[] = {
      {"SELECT sequence::text, change FROM relationships_changes WHERE truster IS NULL LIMIT $1",
       "UPDATE relationships_changes SET truster = $2, trustee = $3 WHERE sequence = $1::bigint"},
      {"SELECT request_id, record, scope FROM relationships_requests WHERE truster IS NULL "
       "LIMIT $1",
       "UPDATE relationships_requests SET truster = $2, trustee = $3 "
       "WHERE request_id = $1 AND scope = $4"},
  };
  for (const Table& table : tables) {
    const bool changes = &table == &tables[0];
    for (;;) {
      auto rows = pool.Query(table.select, {PgParam::Int(kBatch)});
      if (!rows.ok()) return rows.status();
      for (int row = 0; row < rows->rows(); ++row) {
        v1::TrustStatement statement;
        if (changes) {
          auto record = ParseValue<internal::ChangeRecord>(rows->Value(row, 1));
          if (!record.ok()) return record.status();
          statement = record->statement();
        } else {
          auto record = ParseValue<internal::RequestRecord>(rows->Value(row, 1));
          if (!record.ok()) return record.status();
          statement = record->result();
        }
        std::vector<PgParam> params = {
            changes ? PgParam::Text(rows->Value(row, 0)) : PgParam::Bytes(rows->Value(row, 0)),
            PgParam::Bytes(statement.truster_id()), PgParam::Bytes(statement.trustee_id())};
        if (!changes) params.push_back(PgParam::Bytes(rows->Value(row, 2)));
        if (auto updated = pool.Query(table.update, params); !updated.ok()) {
          return updated.status();
        }
      }
      if (rows->rows() < kBatch) break;
    }
  }
  return storage::postgres::SetNamedValue(pool, "relationships_markers", kStatementColumnsFilled,
                                          "yes");
}

constexpr char kConflict[] =
    "a statement of this pair was changed concurrently (by another replica); read it again";

}  // namespace

PostgresTrustStore::PostgresTrustStore(std::unique_ptr<storage::postgres::PgPool> pool,
                                       uint64_t head, bool notifies)
    : pool_(std::move(pool)),
      admin_(pool_.get(), kTables),
      head_sql_(
          absl::StrCat("UPDATE relationships_change_head SET sequence = sequence + $1::bigint "
                       "RETURNING sequence",
                       notifies ? absl::StrCat(", pg_notify('", kChangeChannel, "', '')") : "")),
      committed_(head),
      last_(head) {}

absl::StatusOr<std::unique_ptr<PostgresTrustStore>> PostgresTrustStore::Open(
    std::unique_ptr<storage::postgres::PgPool> pool) {
  if (absl::Status migrated =
          storage::postgres::MigrateSchema(*pool, "relationships", Migrations());
      !migrated.ok()) {
    return migrated;
  }
  if (absl::Status filled = FillStatementColumns(*pool); !filled.ok()) return filled;
  auto head = pool->Query("SELECT sequence FROM relationships_change_head");
  if (!head.ok()) return head.status();
  if (head->rows() != 1) return absl::DataLossError("relationships_change_head lost its row");
  // A notification nobody awaits costs nothing; an engine without NOTIFY
  // says so here rather than failing every write.
  absl::Status notified = pool->Query(absl::StrCat("NOTIFY ", kChangeChannel)).status();
  if (!notified.ok() && !absl::IsUnimplemented(notified)) return notified;
  return std::unique_ptr<PostgresTrustStore>(new PostgresTrustStore(
      std::move(pool), static_cast<uint64_t>(head->Int64(0, 0)), notified.ok()));
}

std::unique_ptr<TrustReader> PostgresTrustStore::Snapshot() const {
  return PreparePostgresSnapshot(*pool_)();
}

std::function<std::unique_ptr<TrustReader>()> PostgresTrustStore::PrepareSnapshot() const {
  return PreparePostgresSnapshot(*pool_);
}

absl::Status PostgresTrustStore::Settle() {
  // The connection first, as Apply holds one before sequence_mu_: waiting
  // for one under the lock would stall every write behind it.
  absl::Status caught_up;
  auto lease = pool_->AcquireLive(absl::Now() + kWriteDeadline, [&](PgConnection& connection) {
    {
      absl::MutexLock lock(&sequence_mu_);
      caught_up = CatchUp(connection, /*holds_head=*/false);
    }
    WakeIfDue();
    return caught_up;
  });
  if (!lease.ok()) return lease.status();
  return caught_up;
}

std::unique_ptr<TrustReader> PostgresTrustStore::Latest() const {
  return PostgresLatestReader(*pool_);
}

absl::Status PostgresTrustStore::Resolve(PgConnection& connection, bool holds_head) {
  if (!unresolved_) return absl::OkStatus();
  if (!holds_head) {
    // Waits while a lost commit still holds the head, then lets it go.
    auto waited = connection.Exec("SELECT 1 FROM relationships_change_head FOR SHARE");
    if (!waited.ok()) return waited.status();
  }
  auto entry =
      connection.Exec("SELECT change FROM relationships_changes WHERE sequence = $1::bigint",
                      {PgParam::Int(static_cast<int64_t>(unresolved_->sequences[0]))});
  if (!entry.ok()) return entry.status();
  // Another replica may have taken the numbers the lost write gave back.
  const bool committed = entry->rows() == 1 && entry->Value(0, 0) == unresolved_->first_entry;
  if (committed) {
    if (commit_hook_) commit_hook_(unresolved_->changes, unresolved_->sequences);
    Committed(unresolved_->sequences.back());
  } else {
    absl::MutexLock lock(&positions_mu_);
    last_ = committed_;
  }
  unresolved_.reset();
  return absl::OkStatus();
}

absl::Status PostgresTrustStore::CatchUp(PgConnection& connection, bool holds_head) {
  if (absl::Status resolved = Resolve(connection, holds_head); !resolved.ok()) return resolved;
  for (;;) {
    const uint64_t from = CommittedChangeSequence();
    const char* sql =
        "SELECT sequence, change FROM relationships_changes WHERE sequence > $1::bigint "
        "ORDER BY sequence LIMIT $2::bigint";
    const std::vector<PgParam> params = {PgParam::Int(static_cast<int64_t>(from)),
                                         PgParam::Int(kCatchUpBatch)};
    auto rows = connection.Exec(sql, params);
    if (!rows.ok()) return rows.status();
    if (rows->rows() == 0) return absl::OkStatus();
    std::vector<StatementChange> changes;
    std::vector<uint64_t> sequences;
    for (int row = 0; row < rows->rows(); ++row) {
      const auto sequence = static_cast<uint64_t>(rows->Int64(row, 0));
      // The head hands out numbers without gaps, and they commit in order.
      if (sequence != from + 1 + sequences.size()) {
        return absl::DataLossError(
            absl::StrCat("relationships_changes lacks change ", from + 1 + sequences.size()));
      }
      auto record = ParseValue<internal::ChangeRecord>(rows->Value(row, 1));
      if (!record.ok()) return record.status();
      changes.push_back({.after = std::move(*record->mutable_statement()), .kind = record->kind()});
      sequences.push_back(sequence);
    }
    if (commit_hook_) commit_hook_(changes, sequences);
    Committed(sequences.back());
    if (rows->rows() < kCatchUpBatch) return absl::OkStatus();
  }
}

void PostgresTrustStore::Committed(uint64_t sequence) {
  {
    absl::MutexLock lock(&positions_mu_);
    committed_ = sequence;
    last_ = std::max(last_, sequence);
  }
  // Told once sequence_mu_ is released: inside a write it is held with the
  // change head, and waking the watchers would hold up every replica.
  wake_due_ = true;
}

absl::StatusOr<uint64_t> PostgresTrustStore::Apply(const std::vector<StatementChange>& changes,
                                                   const std::optional<RequestRecord>& request) {
  std::optional<internal::RequestRecord> stored_request;
  if (request) {
    auto stored = StoredRequest(*request);
    if (!stored.ok()) return stored.status();
    stored_request = std::move(*stored);
  }
  std::vector<std::string> entries;
  for (const auto& change : changes) entries.push_back(ChangeRecordOf(change).SerializeAsString());

  bool conflict = false;
  // Whether this attempt holds sequence_mu_, and the numbers it took.
  bool numbering = false;
  std::vector<uint64_t> sequences;
  auto body = [&](PgConnection& connection) -> absl::Status {
    PairStates written;
    for (const auto& change : changes) {
      auto current = LockAndCheck(connection, change, written);
      if (!current.ok()) return current.status();
      if (!*current) {
        conflict = true;
        return absl::FailedPreconditionError(kConflict);
      }
      const Pair pair{change.after.truster_id(), change.after.trustee_id()};
      if (IsErased(change.after)) {
        if (absl::Status erased = EraseStatement(connection, change.after); !erased.ok()) {
          return erased;
        }
        written[pair] = std::nullopt;
        continue;
      }
      if (absl::Status ran = WriteStatement(connection, change.after); !ran.ok()) return ran;
      written[pair] = change.after;
    }
    if (request) {
      // A claim: a request another replica (or a lost commit of ours)
      // answered first is not answered twice; the insert waits for a lost
      // commit still running.
      auto kept = connection.Exec(
          "INSERT INTO relationships_requests (scope, request_id, record, truster, trustee) "
          "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
          {PgParam::Bytes(request->key.scope), PgParam::Bytes(request->key.request_id),
           PgParam::Bytes(stored_request->SerializeAsString()),
           PgParam::Bytes(stored_request->result().truster_id()),
           PgParam::Bytes(stored_request->result().trustee_id())});
      if (!kept.ok()) return kept.status();
      if (kept->RowsAffected() == 0) {
        conflict = true;
        return absl::FailedPreconditionError(kConflict);
      }
    }
    if (changes.empty()) return absl::OkStatus();
    // Last, so that the head row is held only until the commit that follows.
    sequence_mu_.Lock();
    numbering = true;
    const auto count = static_cast<int64_t>(changes.size());
    // The notification leaves at the commit, with the head's lock.
    auto head = connection.Exec(head_sql_, {PgParam::Int(count)});
    if (!head.ok()) return head.status();
    // Once the head is ours, every number below ours has committed (a lost
    // commit of ours that was still running too): hooked before ours.
    if (absl::Status caught_up = CatchUp(connection, /*holds_head=*/true); !caught_up.ok()) {
      return caught_up;
    }
    if (CommittedChangeSequence() != static_cast<uint64_t>(head->Int64(0, 0) - count)) {
      return absl::DataLossError("the change log lacks changes below the head");
    }
    sequences.clear();
    for (int64_t i = count - 1; i >= 0; --i) {
      sequences.push_back(static_cast<uint64_t>(head->Int64(0, 0) - i));
    }
    {
      absl::MutexLock lock(&positions_mu_);
      last_ = sequences.back();
    }
    for (size_t i = 0; i < changes.size(); ++i) {
      auto inserted = connection.Exec(
          "INSERT INTO relationships_changes (sequence, change, truster, trustee) "
          "VALUES ($1::bigint, $2, $3, $4)",
          {PgParam::Int(static_cast<int64_t>(sequences[i])), PgParam::Bytes(entries[i]),
           PgParam::Bytes(changes[i].after.truster_id()),
           PgParam::Bytes(changes[i].after.trustee_id())});
      if (!inserted.ok()) return inserted.status();
    }
    return absl::OkStatus();
  };
  // How an attempt that took numbers ended, before another one starts.
  auto settled = [&](const absl::Status& ended) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    if (!numbering) return;
    if (ended.ok()) {
      if (commit_hook_) commit_hook_(changes, sequences);
      Committed(sequences.back());
    } else if (storage::IsOutcomeUnknown(ended)) {
      unresolved_ =
          Unresolved{.changes = changes, .sequences = sequences, .first_entry = entries[0]};
    } else {
      absl::MutexLock lock(&positions_mu_);
      last_ = unresolved_ ? unresolved_->sequences.back() : committed_;
    }
    numbering = false;
    sequence_mu_.Unlock();
    WakeIfDue();
  };
  // READ COMMITTED: the pair's row lock orders the writes that could
  // disagree, and the head row's lock orders the change log.
  absl::Status status = storage::postgres::RunTransaction(
      *pool_, absl::Now() + kWriteDeadline, body, /*attempts=*/5, "READ COMMITTED", settled);
  if (conflict) return absl::AbortedError(kConflict);
  if (!status.ok()) return status;
  return sequences.empty() ? 0 : sequences.back();
}

absl::StatusOr<std::vector<TrustChangeEntry>> PostgresTrustStore::Changes(uint64_t after,
                                                                          int limit) const {
  // Up to the watermark: what this replica's hooks (its trust graph) have,
  // so that a watcher never reads of a change this replica cannot show.
  auto rows = pool_->Query(
      "SELECT sequence, change FROM relationships_changes WHERE sequence > $1::bigint "
      "AND sequence <= $2::bigint ORDER BY sequence LIMIT $3::bigint",
      {PgParam::Int(static_cast<int64_t>(after)),
       PgParam::Int(static_cast<int64_t>(CommittedChangeSequence())), PgParam::Int(limit)});
  if (!rows.ok()) return rows.status();
  std::vector<TrustChangeEntry> entries;
  for (int row = 0; row < rows->rows(); ++row) {
    auto record = ParseValue<internal::ChangeRecord>(rows->Value(row, 1));
    if (!record.ok()) return record.status();
    entries.push_back(EntryOf(static_cast<uint64_t>(rows->Int64(row, 0)), std::move(*record)));
  }
  return entries;
}

void PostgresTrustStore::WakeIfDue() {
  if (wake_due_.exchange(false) && committed_listener_) committed_listener_();
}

uint64_t PostgresTrustStore::CommittedChangeSequence() const {
  absl::MutexLock lock(&positions_mu_);
  return committed_;
}

uint64_t PostgresTrustStore::LastChangeSequence() const {
  absl::MutexLock lock(&positions_mu_);
  return last_;
}

absl::StatusOr<std::string> PostgresTrustStore::Marker(const std::string& name) const {
  return storage::postgres::NamedValue(*pool_, "relationships_markers", name);
}

absl::Status PostgresTrustStore::SetMarker(const std::string& name, const std::string& value) {
  return storage::postgres::SetNamedValue(*pool_, "relationships_markers", name, value);
}

absl::StatusOr<std::optional<RequestRecord>> PostgresTrustStore::FindRequest(
    const RequestKey& key) const {
  auto stored = FirstOrNone<internal::RequestRecord>(
      pool_->Query("SELECT record FROM relationships_requests WHERE scope = $1 AND request_id = $2",
                   {PgParam::Bytes(key.scope), PgParam::Bytes(key.request_id)}));
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return std::nullopt;
  return LoadedRequest(key, **stored);
}

absl::StatusOr<std::string> PostgresTrustStore::KeepSecret(const std::string& name,
                                                           const std::string& fresh) {
  return storage::postgres::KeepFirstValue(*pool_, "relationships_secrets", name, fresh);
}

}  // namespace trustsphere::relationships
