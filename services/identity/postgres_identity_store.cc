#include "services/identity/postgres_identity_store.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/core/month_index.h"
#include "services/common/core/proto_time.h"
#include "services/identity/postgres_login_throttle.h"
#include "storage/key_encoding.h"
#include "storage/postgres/pg_messages.h"
#include "storage/postgres/pg_named_values.h"
#include "storage/postgres/pg_schema.h"
#include "storage/proto_value.h"

namespace trustsphere::identity {
namespace {

using storage::ParseValue;
using storage::postgres::AllOf;
using storage::postgres::FirstOrNone;
using storage::postgres::PgConnection;
using storage::postgres::PgParam;
using storage::postgres::PgResult;
using storage::postgres::PgStatement;

// The SQL kept to what YugabyteDB's YSQL documents: plain tables and
// b-tree indexes, INSERT ... ON CONFLICT, UPDATE ... RETURNING, unnest.
const std::vector<storage::postgres::PgMigration>& Migrations() {
  static const auto* migrations = new std::vector<storage::postgres::PgMigration>{
      {.to_version = 1,
       .statements =
           {
               "CREATE TABLE identity_persons (id bytea PRIMARY KEY, record bytea NOT NULL)",
               "CREATE TABLE identity_emails (email bytea PRIMARY KEY, person_id bytea NOT NULL)",
               // end_month 0: ongoing.
               "CREATE TABLE identity_positions (id bytea PRIMARY KEY, person_id bytea NOT NULL, "
               "org_key bytea NOT NULL, start_month integer NOT NULL, end_month integer NOT NULL, "
               "record bytea NOT NULL)",
               "CREATE INDEX identity_positions_by_person ON identity_positions "
               "(person_id, start_month, id)",
               "CREATE INDEX identity_positions_by_org ON identity_positions "
               "(org_key, start_month, id)",
               "CREATE TABLE identity_tags (kind integer NOT NULL, key bytea NOT NULL, "
               "record bytea NOT NULL, PRIMARY KEY (kind, key))",
               "CREATE TABLE identity_requests (scope bytea NOT NULL, method bytea NOT NULL, "
               "request_id bytea NOT NULL, record bytea NOT NULL, "
               "PRIMARY KEY (scope, method, request_id))",
               "CREATE TABLE identity_secrets (name bytea PRIMARY KEY, value bytea NOT NULL)",
               "CREATE TABLE identity_changes (sequence bigint PRIMARY KEY, change bytea NOT NULL)",
               "CREATE TABLE identity_change_head (one integer PRIMARY KEY CHECK (one = 1), "
               "sequence bigint NOT NULL)",
               "INSERT INTO identity_change_head VALUES (1, 0)",
           }},
      // The login throttle's failures, counted by every replica together.
      {.to_version = 2,
       .statements =
           {
               "CREATE TABLE identity_login_failures (email bytea PRIMARY KEY, "
               "failures integer NOT NULL, last_micros bigint NOT NULL)",
           }},
      // Sessions: one row per device's login, listed per person newest first.
      {.to_version = 3,
       .statements =
           {
               "CREATE TABLE identity_sessions (id bytea PRIMARY KEY, person_id bytea NOT NULL, "
               "create_micros bigint NOT NULL, record bytea NOT NULL, "
               "expire_micros bigint NOT NULL)",
               "CREATE INDEX identity_sessions_by_person ON identity_sessions "
               "(person_id, create_micros, id)",
               "CREATE INDEX identity_sessions_by_expiry ON identity_sessions (expire_micros)",
           }},
      // The search index: a row per word of a discoverable person's name.
      {.to_version = 4,
       .statements =
           {
               "CREATE TABLE identity_search_words (word bytea NOT NULL, "
               "person_id bytea NOT NULL, entry bytea NOT NULL, PRIMARY KEY (word, person_id))",
               "CREATE INDEX identity_search_words_by_person ON identity_search_words "
               "(person_id)",
               "CREATE TABLE identity_markers (name bytea PRIMARY KEY, value bytea NOT NULL)",
           }},
  };
  return *migrations;
}

const std::vector<std::string> kTables = {
    "identity_persons",      "identity_emails",  "identity_positions", "identity_tags",
    "identity_requests",     "identity_secrets", "identity_changes",   "identity_sessions",
    "identity_search_words", "identity_markers"};

// How long a write may take when its caller gave no deadline.
constexpr absl::Duration kWriteDeadline = absl::Seconds(10);

// Cursors of lists ordered by (a number, id): positions by start month,
// sessions by login time. The number and id of the last row.
std::string OrderedCursor(std::string_view order_text, std::string_view id) {
  std::string cursor(order_text);
  cursor += ':';
  cursor.append(id);
  return cursor;
}

struct ParsedCursor {
  int64_t order = 0;
  std::string id;
};

absl::StatusOr<std::optional<ParsedCursor>> ParseOrderedCursor(const std::string& cursor) {
  if (cursor.empty()) return std::nullopt;
  const size_t colon = cursor.find(':');
  ParsedCursor parsed;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(absl::string_view(cursor).substr(0, colon), &parsed.order)) {
    return absl::InvalidArgumentError("malformed list cursor");
  }
  parsed.id = cursor.substr(colon + 1);
  return std::optional<ParsedCursor>(std::move(parsed));
}

// One page of a person's rows of `table`, newest first by (`order_column`,
// id), `limit` after `cursor`: positions by start month, sessions by login.
// One more row than the page tells whether a next page exists.
template <typename Record>
absl::StatusOr<storage::Page<Record>> NewestFirst(storage::postgres::PgPool& pool,
                                                  absl::string_view table,
                                                  absl::string_view order_column,
                                                  absl::string_view order_type,
                                                  const std::string& person_id,
                                                  const std::string& cursor, int limit) {
  auto after = ParseOrderedCursor(cursor);
  if (!after.ok()) return after.status();
  std::vector<PgParam> params = {PgParam::Bytes(person_id), PgParam::Int(limit + 1)};
  std::string sql = absl::StrCat("SELECT ", order_column, "::text, id, record FROM ", table,
                                 " WHERE person_id = $1");
  if (*after) {
    absl::StrAppend(&sql, " AND (", order_column, ", id) < ($3::", order_type, ", $4)");
    params.push_back(PgParam::Int((*after)->order));
    params.push_back(PgParam::Bytes((*after)->id));
  }
  absl::StrAppend(&sql, " ORDER BY ", order_column, " DESC, id DESC LIMIT $2::bigint");
  auto rows = pool.Query(sql, params);
  if (!rows.ok()) return rows.status();
  storage::Page<Record> page;
  std::string last;
  for (int row = 0; row < rows->rows(); ++row) {
    if (static_cast<int>(page.items.size()) == limit) {
      page.next_cursor = last;
      break;
    }
    last = OrderedCursor(rows->Value(row, 0), rows->Value(row, 1));
    auto record = ParseValue<Record>(rows->Value(row, 2));
    if (!record.ok()) return record.status();
    page.items.push_back(std::move(*record));
  }
  return page;
}

int StartMonth(const v1::Position& position) { return MonthIndex(position.period().start()); }
int EndMonth(const v1::Position& position) {
  return position.period().has_end() ? MonthIndex(position.period().end()) : 0;
}

constexpr char kConflict[] =
    "this record was changed concurrently (by another replica); read it again";

// Locks every record the write replaces and checks that each is still the
// state the logic read (`previous`): false when another replica changed one
// since, and then nothing is written. New records are claimed by the
// statements themselves (StatementsOf).
absl::StatusOr<bool> StillAsRead(PgConnection& connection, const IdentityWrite& write) {
  auto same_person = [&](const internal::PersonRecord& expected) {
    return storage::postgres::LockedRecordIs(
        connection, "SELECT record FROM identity_persons WHERE id = $1 FOR UPDATE",
        {PgParam::Bytes(expected.person().id())}, std::optional(expected));
  };
  for (const auto& [record, previous] : write.persons()) {
    if (!previous) continue;
    auto same = same_person(*previous);
    if (!same.ok() || !*same) return same;
  }
  for (const auto& record : write.unchanged()) {
    auto same = same_person(record);
    if (!same.ok() || !*same) return same;
  }
  auto same_position = [&](const v1::Position& expected) {
    return storage::postgres::LockedRecordIs(
        connection, "SELECT record FROM identity_positions WHERE id = $1 FOR UPDATE",
        {PgParam::Bytes(expected.id())}, std::optional(expected));
  };
  for (const auto& position : write.removed_positions()) {
    auto same = same_position(position);
    if (!same.ok() || !*same) return same;
  }
  for (const auto& [position, previous] : write.positions()) {
    if (!previous) continue;
    auto same = same_position(*previous);
    if (!same.ok() || !*same) return same;
  }
  for (const auto& [session, previous] : write.sessions()) {
    if (!previous) continue;
    auto same = storage::postgres::LockedRecordIs(
        connection, "SELECT record FROM identity_sessions WHERE id = $1 FOR UPDATE",
        {PgParam::Bytes(session.id())}, previous);
    if (!same.ok() || !*same) return same;
  }
  for (const auto& [tag, previous] : write.tags()) {
    if (!previous) continue;
    auto same = storage::postgres::LockedRecordIs(
        connection,
        "SELECT record FROM identity_tags WHERE kind = $1::integer AND key = $2 FOR UPDATE",
        {PgParam::Int(tag.kind()), PgParam::Bytes(tag.key())}, previous);
    if (!same.ok() || !*same) return same;
  }
  return true;
}

// The statements of a write but its checks and its change-log entries, in
// order. A record the logic found absent is inserted only if still absent
// (a claim), whose `upsert` would otherwise overwrite what another replica
// wrote meanwhile; a record written twice in one write is claimed once.
std::vector<PgStatement> StatementsOf(const IdentityWrite& write) {
  std::vector<PgStatement> statements;
  absl::flat_hash_set<std::string> claimed;
  auto write_record = [&](bool replaces, std::string key, const char* upsert, const char* insert,
                          std::vector<PgParam> params) {
    const bool claims = !replaces && claimed.insert(std::move(key)).second;
    statements.push_back({claims ? insert : upsert, std::move(params), claims});
  };
  for (const auto& [record, previous] : write.persons()) {
    if (previous && !previous->normalized_email().empty() &&
        previous->normalized_email() != record.normalized_email()) {
      statements.push_back({"DELETE FROM identity_emails WHERE email = $1",
                            {PgParam::Bytes(previous->normalized_email())}});
    }
    if (!record.normalized_email().empty()) {
      // Taken only if free or already this person's.
      statements.push_back(
          {"INSERT INTO identity_emails VALUES ($1, $2) ON CONFLICT (email) DO UPDATE SET "
           "person_id = excluded.person_id WHERE identity_emails.person_id = excluded.person_id",
           {PgParam::Bytes(record.normalized_email()), PgParam::Bytes(record.person().id())},
           /*claims=*/true});
    }
    write_record(
        previous.has_value(), "person:" + record.person().id(),
        "INSERT INTO identity_persons VALUES ($1, $2) "
        "ON CONFLICT (id) DO UPDATE SET record = excluded.record",
        "INSERT INTO identity_persons VALUES ($1, $2) ON CONFLICT DO NOTHING",
        {PgParam::Bytes(record.person().id()), PgParam::Bytes(record.SerializeAsString())});
    // After the person's row is claimed or locked (StillAsRead), which
    // orders these with any other replica's write of the person.
    if (previous && previous->search().words_size() > 0) {
      statements.push_back({"DELETE FROM identity_search_words WHERE person_id = $1",
                            {PgParam::Bytes(record.person().id())}});
    }
    if (record.search().words_size() > 0) {
      std::vector<std::string> words(record.search().words().begin(),
                                     record.search().words().end());
      statements.push_back(
          {"INSERT INTO identity_search_words SELECT unnest($1::bytea[]), $2::bytea, $3::bytea",
           {PgParam::ByteaArray(words), PgParam::Bytes(record.person().id()),
            PgParam::Bytes(record.search().SerializeAsString())}});
    }
    // A tombstone has no session, those another replica opened since the
    // logic listed them included (it held the person's row to do so).
    if (record.person().state() == v1::PERSON_STATE_DELETED) {
      statements.push_back({"DELETE FROM identity_sessions WHERE person_id = $1",
                            {PgParam::Bytes(record.person().id())}});
    }
  }
  for (const auto& position : write.removed_positions()) {
    statements.push_back(
        {"DELETE FROM identity_positions WHERE id = $1", {PgParam::Bytes(position.id())}});
  }
  // The indexed columns live in the position's row: replacing the row
  // replaces its index entries, whatever `previous` held.
  for (const auto& [position, previous] : write.positions()) {
    write_record(previous.has_value(), "position:" + position.id(),
                 "INSERT INTO identity_positions VALUES ($1, $2, $3, $4, $5, $6) "
                 "ON CONFLICT (id) DO UPDATE SET person_id = excluded.person_id, "
                 "org_key = excluded.org_key, start_month = excluded.start_month, "
                 "end_month = excluded.end_month, record = excluded.record",
                 "INSERT INTO identity_positions VALUES ($1, $2, $3, $4, $5, $6) "
                 "ON CONFLICT DO NOTHING",
                 {PgParam::Bytes(position.id()), PgParam::Bytes(position.person_id()),
                  PgParam::Bytes(position.organization_key()), PgParam::Int(StartMonth(position)),
                  PgParam::Int(EndMonth(position)), PgParam::Bytes(position.SerializeAsString())});
  }
  for (const auto& session : write.removed_sessions()) {
    statements.push_back(
        {"DELETE FROM identity_sessions WHERE id = $1", {PgParam::Bytes(session.id())}});
  }
  for (const auto& [session, previous] : write.sessions()) {
    write_record(previous.has_value(), "session:" + session.id(),
                 "INSERT INTO identity_sessions VALUES ($1, $2, $3, $4, $5) "
                 "ON CONFLICT (id) DO UPDATE SET record = excluded.record, "
                 "expire_micros = excluded.expire_micros",
                 "INSERT INTO identity_sessions VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                 {PgParam::Bytes(session.id()), PgParam::Bytes(session.person_id()),
                  PgParam::Int(UnixMicros(session.create_time())),
                  PgParam::Bytes(session.SerializeAsString()),
                  PgParam::Int(UnixMicros(session.expire_time()))});
  }
  for (const auto& [tag, previous] : write.tags()) {
    write_record(previous.has_value(), absl::StrCat("tag:", tag.kind(), ":", tag.key()),
                 "INSERT INTO identity_tags VALUES ($1, $2, $3) "
                 "ON CONFLICT (kind, key) DO UPDATE SET record = excluded.record",
                 "INSERT INTO identity_tags VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                 {PgParam::Int(tag.kind()), PgParam::Bytes(tag.key()),
                  PgParam::Bytes(tag.SerializeAsString())});
  }
  for (const auto& request : write.requests()) {
    statements.push_back(
        {"INSERT INTO identity_requests VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
         {PgParam::Bytes(request.key.scope), PgParam::Bytes(request.key.method),
          PgParam::Bytes(request.key.request_id),
          PgParam::Bytes(StoredRequest(request).SerializeAsString())},
         /*claims=*/true});
  }
  return statements;
}

absl::Status ApplyOn(PgConnection& connection, const IdentityWrite& write, bool& conflict) {
  auto still = StillAsRead(connection, write);
  if (still.ok() && *still) still = storage::postgres::ExecAll(connection, StatementsOf(write));
  if (!still.ok()) return still.status();
  if (!*still) {
    conflict = true;
    return absl::FailedPreconditionError(kConflict);
  }
  if (write.changes().empty()) return absl::OkStatus();
  // Last, so that the head row is held only until the commit that follows.
  const auto count = static_cast<int64_t>(write.changes().size());
  auto head = connection.Exec(
      "UPDATE identity_change_head SET sequence = sequence + $1::bigint RETURNING sequence",
      {PgParam::Int(count)});
  if (!head.ok()) return head.status();
  int64_t sequence = head->Int64(0, 0) - count;
  for (const auto& change : write.changes()) {
    auto inserted =
        connection.Exec("INSERT INTO identity_changes VALUES ($1::bigint, $2)",
                        {PgParam::Int(++sequence), PgParam::Bytes(change.SerializeAsString())});
    if (!inserted.ok()) return inserted.status();
  }
  return absl::OkStatus();
}

}  // namespace

PostgresIdentityStore::PostgresIdentityStore(std::unique_ptr<storage::postgres::PgPool> pool)
    : pool_(std::move(pool)), admin_(pool_.get(), kTables) {}

absl::StatusOr<std::unique_ptr<PostgresIdentityStore>> PostgresIdentityStore::Open(
    std::unique_ptr<storage::postgres::PgPool> pool) {
  if (absl::Status migrated = storage::postgres::MigrateSchema(*pool, "identity", Migrations());
      !migrated.ok()) {
    return migrated;
  }
  return std::unique_ptr<PostgresIdentityStore>(new PostgresIdentityStore(std::move(pool)));
}

std::unique_ptr<LoginThrottle> PostgresIdentityStore::SharedLoginThrottle() {
  return std::make_unique<PostgresLoginThrottle>(pool_.get());
}

absl::StatusOr<std::optional<internal::PersonRecord>> PostgresIdentityStore::Person(
    const std::string& id) const {
  return FirstOrNone<internal::PersonRecord>(
      pool_->Query("SELECT record FROM identity_persons WHERE id = $1", {PgParam::Bytes(id)}));
}

absl::StatusOr<std::vector<internal::PersonRecord>> PostgresIdentityStore::Persons(
    const std::vector<std::string>& ids) const {
  return AllOf<internal::PersonRecord>(
      storage::postgres::RecordsInOrder(*pool_, "identity_persons", ids));
}

absl::StatusOr<std::optional<std::string>> PostgresIdentityStore::PersonIdByEmail(
    const std::string& normalized_email) const {
  auto row = pool_->Query("SELECT person_id FROM identity_emails WHERE email = $1",
                          {PgParam::Bytes(normalized_email)});
  if (!row.ok()) return row.status();
  if (row->rows() == 0) return std::nullopt;
  return std::optional<std::string>(row->Value(0, 0));
}

absl::StatusOr<std::optional<v1::Position>> PostgresIdentityStore::Position(
    const std::string& id) const {
  return FirstOrNone<v1::Position>(
      pool_->Query("SELECT record FROM identity_positions WHERE id = $1", {PgParam::Bytes(id)}));
}

absl::StatusOr<std::vector<v1::Position>> PostgresIdentityStore::Positions(
    const std::vector<std::string>& ids) const {
  return AllOf<v1::Position>(storage::postgres::RecordsInOrder(*pool_, "identity_positions", ids));
}

absl::StatusOr<storage::Page<v1::Position>> PostgresIdentityStore::PositionsOf(
    const std::string& person_id, const std::string& cursor, int limit) const {
  return NewestFirst<v1::Position>(*pool_, "identity_positions", "start_month", "integer",
                                   person_id, cursor, limit);
}

absl::StatusOr<int> PostgresIdentityStore::CountPositions(const std::string& person_id,
                                                          int up_to) const {
  auto row = pool_->Query(
      "SELECT count(*)::bigint FROM (SELECT 1 FROM identity_positions WHERE person_id = $1 "
      "LIMIT $2::bigint) AS held",
      {PgParam::Bytes(person_id), PgParam::Int(up_to)});
  if (!row.ok()) return row.status();
  return static_cast<int>(row->Int64(0, 0));
}

absl::StatusOr<storage::Page<v1::Position>> PostgresIdentityStore::OverlappingPositions(
    const OverlapQuery& query, const std::string& cursor, int limit, int max_examined) const {
  auto after = ParseOrderedCursor(cursor);
  if (!after.ok()) return after.status();
  // Index order is (organisation, start month, id), as in RocksDB: rows
  // that start after the period ends are never read, those that ended
  // before it starts are read and skipped, and at most max_examined rows
  // are read per call.
  std::vector<PgParam> params = {PgParam::Bytes(query.organization_key),
                                 PgParam::Int(max_examined + 1)};
  std::string sql =
      "SELECT start_month::text, id, person_id, end_month::bigint, record FROM identity_positions "
      "WHERE org_key = $1";
  if (query.end_month) {
    params.push_back(PgParam::Int(*query.end_month));
    sql += absl::StrCat(" AND start_month <= $", params.size(), "::integer");
  }
  if (*after) {
    params.push_back(PgParam::Int((*after)->order));
    params.push_back(PgParam::Bytes((*after)->id));
    sql += absl::StrCat(" AND (start_month, id) > ($", params.size() - 1, "::integer, $",
                        params.size(), ")");
  }
  sql += " ORDER BY start_month, id LIMIT $2::bigint";
  auto rows = pool_->Query(sql, params);
  if (!rows.ok()) return rows.status();
  storage::Page<v1::Position> page;
  std::string last;
  int examined = 0;
  for (int row = 0; row < rows->rows(); ++row) {
    if (static_cast<int>(page.items.size()) == limit || examined == max_examined) {
      page.next_cursor = last;
      break;
    }
    ++examined;
    last = OrderedCursor(rows->Value(row, 0), rows->Value(row, 1));
    const int64_t end_month = rows->Int64(row, 3);
    const bool ended_before = end_month != 0 && end_month < query.start_month;
    if (rows->Value(row, 2) == query.excluded_person_id || ended_before) continue;
    auto position = ParseValue<v1::Position>(rows->Value(row, 4));
    if (!position.ok()) return position.status();
    page.items.push_back(std::move(*position));
  }
  return page;
}

absl::StatusOr<std::vector<SearchHit>> PostgresIdentityStore::SearchWords(
    const std::string& word_prefix, int limit) const {
  std::vector<PgParam> params = {PgParam::Bytes(word_prefix), PgParam::Int(limit)};
  std::string sql = "SELECT word, person_id, entry FROM identity_search_words WHERE word >= $1";
  const std::string successor = storage::PrefixSuccessor(word_prefix);
  if (!successor.empty()) {
    params.push_back(PgParam::Bytes(successor));
    sql += " AND word < $3";
  }
  sql += " ORDER BY word, person_id LIMIT $2::bigint";
  auto rows = pool_->Query(sql, params);
  if (!rows.ok()) return rows.status();
  std::vector<SearchHit> hits;
  for (int row = 0; row < rows->rows(); ++row) {
    auto entry = ParseValue<internal::SearchEntry>(rows->Value(row, 2));
    if (!entry.ok()) return entry.status();
    hits.push_back(
        {std::string(rows->Value(row, 0)), std::string(rows->Value(row, 1)), std::move(*entry)});
  }
  return hits;
}

absl::StatusOr<std::optional<internal::SessionRecord>> PostgresIdentityStore::Session(
    const std::string& id) const {
  return FirstOrNone<internal::SessionRecord>(
      pool_->Query("SELECT record FROM identity_sessions WHERE id = $1", {PgParam::Bytes(id)}));
}

absl::StatusOr<std::vector<internal::SessionRecord>> PostgresIdentityStore::ExpiredSessions(
    absl::Time now, int limit) const {
  return AllOf<internal::SessionRecord>(pool_->Query(
      "SELECT record FROM identity_sessions WHERE expire_micros <= $1::bigint LIMIT $2::bigint",
      {PgParam::Int(absl::ToUnixMicros(now)), PgParam::Int(limit)}));
}

absl::StatusOr<storage::Page<internal::SessionRecord>> PostgresIdentityStore::SessionsOf(
    const std::string& person_id, const std::string& cursor, int limit) const {
  return NewestFirst<internal::SessionRecord>(*pool_, "identity_sessions", "create_micros",
                                              "bigint", person_id, cursor, limit);
}

absl::StatusOr<std::optional<v1::Tag>> PostgresIdentityStore::Tag(common::v1::FacetKind kind,
                                                                  const std::string& key) const {
  return FirstOrNone<v1::Tag>(
      pool_->Query("SELECT record FROM identity_tags WHERE kind = $1::integer AND key = $2",
                   {PgParam::Int(kind), PgParam::Bytes(key)}));
}

absl::StatusOr<std::vector<v1::Tag>> PostgresIdentityStore::TagsWithPrefix(
    common::v1::FacetKind kind, const std::string& key_prefix, int limit) const {
  std::vector<PgParam> params = {PgParam::Int(kind), PgParam::Bytes(key_prefix),
                                 PgParam::Int(limit)};
  std::string sql = "SELECT record FROM identity_tags WHERE kind = $1::integer AND key >= $2";
  // Every key with the prefix sorts below the prefix's successor (none
  // when the prefix is all 0xff bytes or empty).
  const std::string successor = storage::PrefixSuccessor(key_prefix);
  if (!successor.empty()) {
    params.push_back(PgParam::Bytes(successor));
    sql += " AND key < $4";
  }
  sql += " ORDER BY key LIMIT $3::bigint";
  return AllOf<v1::Tag>(pool_->Query(sql, params));
}

absl::Status PostgresIdentityStore::Apply(const IdentityWrite& write) {
  // READ COMMITTED: the logic made the write's checks, and the rows
  // StillAsRead locks keep them true against other replicas; the change
  // head's row lock orders the change log.
  bool conflict = false;
  absl::Status applied = storage::postgres::RunTransaction(
      *pool_, absl::Now() + kWriteDeadline,
      [&](PgConnection& connection) { return ApplyOn(connection, write, conflict); },
      /*attempts=*/5, "READ COMMITTED");
  if (conflict) return absl::AbortedError(kConflict);
  return applied;
}

absl::StatusOr<std::vector<ChangeEntry>> PostgresIdentityStore::Changes(uint64_t after,
                                                                        int limit) const {
  auto rows = pool_->Query(
      "SELECT sequence, change FROM identity_changes WHERE sequence > $1::bigint "
      "ORDER BY sequence LIMIT $2::bigint",
      {PgParam::Int(static_cast<int64_t>(after)), PgParam::Int(limit)});
  if (!rows.ok()) return rows.status();
  std::vector<ChangeEntry> entries;
  for (int row = 0; row < rows->rows(); ++row) {
    auto change = ParseValue<internal::Change>(rows->Value(row, 1));
    if (!change.ok()) return change.status();
    entries.push_back(
        {.sequence = static_cast<uint64_t>(rows->Int64(row, 0)), .change = std::move(*change)});
  }
  return entries;
}

absl::StatusOr<std::optional<RequestRecord>> PostgresIdentityStore::FindRequest(
    const RequestKey& key) const {
  auto stored = FirstOrNone<internal::RequestRecord>(pool_->Query(
      "SELECT record FROM identity_requests WHERE scope = $1 AND method = $2 AND "
      "request_id = $3",
      {PgParam::Bytes(key.scope), PgParam::Bytes(key.method), PgParam::Bytes(key.request_id)}));
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return std::nullopt;
  return LoadedRequest(key, **stored);
}

absl::StatusOr<std::string> PostgresIdentityStore::Marker(const std::string& name) const {
  return storage::postgres::NamedValue(*pool_, "identity_markers", name);
}

absl::Status PostgresIdentityStore::SetMarker(const std::string& name, const std::string& value) {
  return storage::postgres::SetNamedValue(*pool_, "identity_markers", name, value);
}

absl::StatusOr<std::string> PostgresIdentityStore::KeepSecret(const std::string& name,
                                                              const std::string& fresh) {
  return storage::postgres::KeepFirstValue(*pool_, "identity_secrets", name, fresh);
}

}  // namespace trustsphere::identity
