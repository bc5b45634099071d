#include "services/recommendations/postgres_recommendation_store.h"

#include <type_traits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/core/proto_time.h"
#include "storage/postgres/pg_lease.h"
#include "storage/postgres/pg_messages.h"
#include "storage/postgres/pg_named_values.h"
#include "storage/postgres/pg_paging.h"
#include "storage/postgres/pg_schema.h"

namespace trustsphere::recommendations {
namespace {

using storage::ParseValue;
using storage::postgres::AllOf;
using storage::postgres::FirstOrNone;
using storage::postgres::PgConnection;
using storage::postgres::PgParam;
using storage::postgres::PgResult;
using storage::postgres::PgStatement;

// The SQL kept to what YugabyteDB's YSQL documents (see
// postgres_identity_store.cc).
const std::vector<storage::postgres::PgMigration>& Migrations() {
  static const auto* migrations = new std::vector<storage::postgres::PgMigration>{
      {.to_version = 1,
       .statements =
           {
               "CREATE TABLE recommendations_recommendations (id bytea PRIMARY KEY, "
               "author bytea NOT NULL, subject bytea NOT NULL, micros bigint NOT NULL, "
               "record bytea NOT NULL)",
               "CREATE INDEX recommendations_by_subject ON recommendations_recommendations "
               "(subject, micros, id)",
               "CREATE INDEX recommendations_by_author ON recommendations_recommendations "
               "(author, micros, id)",
               "CREATE INDEX recommendations_by_pair ON recommendations_recommendations "
               "(author, subject, id)",
               "CREATE TABLE recommendations_versions (id bytea NOT NULL, version bigint NOT NULL, "
               "record bytea NOT NULL, PRIMARY KEY (id, version))",
               "CREATE TABLE recommendations_requests (id bytea PRIMARY KEY, author bytea NOT "
               "NULL, subject bytea NOT NULL, micros bigint NOT NULL, open boolean NOT NULL, "
               "record bytea NOT NULL)",
               "CREATE INDEX recommendations_requests_to_author ON recommendations_requests "
               "(author, micros, id)",
               "CREATE INDEX recommendations_requests_from_subject ON recommendations_requests "
               "(subject, micros, id)",
               "CREATE INDEX recommendations_requests_by_pair ON recommendations_requests "
               "(author, subject, id)",
               "CREATE TABLE recommendations_blocks (author bytea NOT NULL, requester bytea NOT "
               "NULL, record bytea NOT NULL, PRIMARY KEY (author, requester))",
               "CREATE TABLE recommendations_shares (id bytea PRIMARY KEY, subject bytea NOT NULL, "
               "token_hash bytea NOT NULL UNIQUE, micros bigint NOT NULL, record bytea NOT NULL)",
               "CREATE INDEX recommendations_shares_of_subject ON recommendations_shares "
               "(subject, micros, id)",
               // A read shown to twenty authors is one entry, named by twenty rows of the log.
               "CREATE TABLE recommendations_access_entries (id bytea PRIMARY KEY, "
               "record bytea NOT NULL)",
               "CREATE TABLE recommendations_access_log (person bytea NOT NULL, micros bigint NOT "
               "NULL, entry_id bytea NOT NULL, PRIMARY KEY (person, micros, entry_id))",
               "CREATE TABLE recommendations_idempotency (scope bytea NOT NULL, request_id bytea "
               "NOT NULL, record bytea NOT NULL, PRIMARY KEY (scope, request_id))",
               "CREATE TABLE recommendations_secrets (name bytea PRIMARY KEY, value bytea NOT "
               "NULL)",
               "CREATE TABLE recommendations_markers (name bytea PRIMARY KEY, value bytea NOT "
               "NULL)",
           }},
      // The lease of the relationships stream's consumer (PgLease).
      {.to_version = 2,
       .statements =
           {
               "CREATE TABLE recommendations_leases (name bytea PRIMARY KEY, holder bytea NOT "
               "NULL, expires_micros bigint NOT NULL)",
               // One open request per pair, whichever replica creates it.
               "CREATE UNIQUE INDEX recommendations_one_open_request ON "
               "recommendations_requests (author, subject) WHERE open",
           }},
  };
  return *migrations;
}

const std::vector<std::string> kTables = {
    "recommendations_recommendations", "recommendations_versions",
    "recommendations_requests",        "recommendations_blocks",
    "recommendations_shares",          "recommendations_access_entries",
    "recommendations_access_log",      "recommendations_idempotency",
    "recommendations_secrets",         "recommendations_markers"};

constexpr char kTrustCursorMarker[] = "trust_cursor";
constexpr char kConflict[] =
    "what this write was made from was changed concurrently (by another replica); read it again";
// How long the consumer's lease lasts unless renewed: a dead consumer's
// work is taken over after at most this.
constexpr absl::Duration kConsumerLeaseTtl = absl::Seconds(3);
// How long a write or a page may take (the port carries no deadline).
constexpr absl::Duration kWriteDeadline = absl::Seconds(10);
constexpr absl::Duration kReadDeadline = absl::Seconds(5);

// A timeline's rows: microseconds, id, record, with $1 the person; the
// columns its order and cursor go by.
struct TimelineQuery {
  const char* select;
  const char* micros;
  const char* id;
};
constexpr TimelineQuery kRecommendationsOfSubject = {
    "SELECT micros, id, record FROM recommendations_recommendations WHERE subject = $1", "micros",
    "id"};
constexpr TimelineQuery kRecommendationsByAuthor = {
    "SELECT micros, id, record FROM recommendations_recommendations WHERE author = $1", "micros",
    "id"};
constexpr TimelineQuery kRequestsToAuthor = {
    "SELECT micros, id, record FROM recommendations_requests WHERE author = $1", "micros", "id"};
constexpr TimelineQuery kRequestsFromSubject = {
    "SELECT micros, id, record FROM recommendations_requests WHERE subject = $1", "micros", "id"};
constexpr TimelineQuery kSharesOfSubject = {
    "SELECT micros, id, record FROM recommendations_shares WHERE subject = $1", "micros", "id"};
constexpr TimelineQuery kAccessLog = {
    "SELECT l.micros, l.entry_id, e.record FROM recommendations_access_log l "
    "JOIN recommendations_access_entries e ON e.id = l.entry_id WHERE l.person = $1",
    "l.micros", "l.entry_id"};

std::string TimelineCursor(const PgResult& rows, int row) {
  std::string cursor = absl::StrCat(rows.Int64(row, 0), ":");
  cursor.append(rows.Value(row, 1));
  return cursor;
}

struct TimelinePosition {
  int64_t micros = 0;
  std::string id;
};

absl::StatusOr<TimelinePosition> ParseTimelineCursor(const std::string& cursor) {
  const size_t colon = cursor.find(':');
  TimelinePosition position;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(absl::string_view(cursor).substr(0, colon), &position.micros)) {
    return absl::InvalidArgumentError("malformed timeline cursor");
  }
  position.id = cursor.substr(colon + 1);
  return position;
}

absl::StatusOr<int> CountOf(const absl::StatusOr<PgResult>& result) {
  if (!result.ok()) return result.status();
  return static_cast<int>(result->Int64(0, 0));
}

// Locks every record the write replaces as read (`previous`) and checks
// that it is still that: false when another replica changed it since.
absl::StatusOr<bool> StillAsRead(PgConnection& connection, const RecommendationWrite& write) {
  auto check = [&](const char* table, const std::string& id, const auto& previous) {
    using Record = typename std::decay_t<decltype(previous)>::value_type;
    return storage::postgres::LockedRecordIs<Record>(
        connection, absl::StrCat("SELECT record FROM ", table, " WHERE id = $1 FOR UPDATE"),
        {PgParam::Bytes(id)}, previous);
  };
  for (const auto& put : write.recommendations()) {
    if (!put.previous) continue;
    auto same = check("recommendations_recommendations", put.recommendation.id(), put.previous);
    if (!same.ok() || !*same) return same;
  }
  for (const auto& [request, created, previous] : write.requests()) {
    if (!previous) continue;
    auto same = check("recommendations_requests", request.id(), previous);
    if (!same.ok() || !*same) return same;
  }
  for (const auto& [record, created, previous] : write.shares()) {
    if (!previous) continue;
    auto same = check("recommendations_shares", record.share().id(), previous);
    if (!same.ok() || !*same) return same;
  }
  return true;
}

// Every statement of a write, in order. Index columns live in each row: a
// record's put sets them, whether or not it is `created`.
std::vector<PgStatement> StatementsOf(const RecommendationWrite& write) {
  std::vector<PgStatement> statements;
  for (const auto& put : write.recommendations()) {
    const v1::Recommendation& recommendation = put.recommendation;
    const std::string record = recommendation.SerializeAsString();
    statements.push_back(
        {put.created ? "INSERT INTO recommendations_recommendations "
                       "VALUES ($1, $2, $3, $4::bigint, $5) ON CONFLICT DO NOTHING"
                     : "INSERT INTO recommendations_recommendations "
                       "VALUES ($1, $2, $3, $4::bigint, $5) "
                       "ON CONFLICT (id) DO UPDATE SET record = excluded.record",
         {PgParam::Bytes(recommendation.id()), PgParam::Bytes(recommendation.author_id()),
          PgParam::Bytes(recommendation.subject_id()),
          PgParam::Int(UnixMicros(recommendation.create_time())), PgParam::Bytes(record)},
         /*claims=*/put.created});
    if (put.new_version) {
      statements.push_back(
          {"INSERT INTO recommendations_versions VALUES ($1, $2::bigint, $3) "
           "ON CONFLICT (id, version) DO UPDATE SET record = excluded.record",
           {PgParam::Bytes(recommendation.id()), PgParam::Int(recommendation.version()),
            PgParam::Bytes(record)}});
    }
  }
  // A created request is a claim: its id, and the one open request of its
  // pair (a partial unique index), may be another replica's already.
  for (const auto& [request, created, previous] : write.requests()) {
    const bool open = request.state() == v1::REQUEST_STATE_OPEN;
    statements.push_back(
        {created ? "INSERT INTO recommendations_requests "
                   "VALUES ($1, $2, $3, $4::bigint, $5::boolean, $6) ON CONFLICT DO NOTHING"
                 : "INSERT INTO recommendations_requests "
                   "VALUES ($1, $2, $3, $4::bigint, $5::boolean, $6) "
                   "ON CONFLICT (id) DO UPDATE SET open = excluded.open, record = excluded.record",
         {PgParam::Bytes(request.id()), PgParam::Bytes(request.author_id()),
          PgParam::Bytes(request.subject_id()), PgParam::Int(UnixMicros(request.create_time())),
          PgParam::Text(open ? "true" : "false"), PgParam::Bytes(request.SerializeAsString())},
         /*claims=*/created});
  }
  for (const auto& [record, created, previous] : write.shares()) {
    const v1::Share& share = record.share();
    statements.push_back(
        {created ? "INSERT INTO recommendations_shares VALUES ($1, $2, $3, $4::bigint, $5) "
                   "ON CONFLICT DO NOTHING"
                 : "INSERT INTO recommendations_shares VALUES ($1, $2, $3, $4::bigint, $5) "
                   "ON CONFLICT (id) DO UPDATE SET record = excluded.record",
         {PgParam::Bytes(share.id()), PgParam::Bytes(share.subject_id()),
          PgParam::Bytes(record.token_hash()), PgParam::Int(UnixMicros(share.create_time())),
          PgParam::Bytes(record.SerializeAsString())},
         /*claims=*/created});
  }
  for (const auto& access : write.accesses()) {
    // The first of a write's rows for an entry puts it; the others find it.
    statements.push_back(
        {"INSERT INTO recommendations_access_entries VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
         {PgParam::Bytes(access.entry_id), PgParam::Bytes(access.entry.SerializeAsString())}});
    statements.push_back(
        {"INSERT INTO recommendations_access_log VALUES ($1, $2::bigint, $3) "
         "ON CONFLICT DO NOTHING",
         {PgParam::Bytes(access.person), PgParam::Int(UnixMicros(access.entry.time())),
          PgParam::Bytes(access.entry_id)}});
  }
  for (const auto& erased : write.erased_recommendations()) {
    for (const char* sql : {"DELETE FROM recommendations_recommendations WHERE id = $1",
                            "DELETE FROM recommendations_versions WHERE id = $1"}) {
      statements.push_back({sql, {PgParam::Bytes(erased.id())}});
    }
  }
  for (const auto& erased : write.erased_requests()) {
    statements.push_back(
        {"DELETE FROM recommendations_requests WHERE id = $1", {PgParam::Bytes(erased.id())}});
  }
  for (const auto& erased : write.erased_shares()) {
    statements.push_back({"DELETE FROM recommendations_shares WHERE id = $1",
                          {PgParam::Bytes(erased.share().id())}});
  }
  for (const auto& [author, blocked] : write.blocks()) {
    statements.push_back(
        {"INSERT INTO recommendations_blocks VALUES ($1, $2, $3) "
         "ON CONFLICT (author, requester) DO UPDATE SET record = excluded.record",
         {PgParam::Bytes(author), PgParam::Bytes(blocked.person_id()),
          PgParam::Bytes(blocked.SerializeAsString())}});
  }
  for (const auto& [author, requester] : write.unblocks()) {
    statements.push_back({"DELETE FROM recommendations_blocks WHERE author = $1 AND requester = $2",
                          {PgParam::Bytes(author), PgParam::Bytes(requester)}});
  }
  if (write.trust_cursor()) {
    // Moved only from where it was read: a claim.
    const bool first = write.expected_trust_cursor().empty();
    statements.push_back(
        {first ? "INSERT INTO recommendations_markers VALUES ($1, $2) ON CONFLICT DO NOTHING"
               : "UPDATE recommendations_markers SET value = $2 WHERE name = $1 AND value = $3",
         first ? std::vector<PgParam>{PgParam::Bytes(kTrustCursorMarker),
                                      PgParam::Bytes(*write.trust_cursor())}
               : std::vector<PgParam>{PgParam::Bytes(kTrustCursorMarker),
                                      PgParam::Bytes(*write.trust_cursor()),
                                      PgParam::Bytes(write.expected_trust_cursor())},
         /*claims=*/true});
  }
  for (const auto& request : write.request_records()) {
    statements.push_back(
        {"INSERT INTO recommendations_idempotency VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
         {PgParam::Bytes(request.key.scope), PgParam::Bytes(request.key.request_id),
          PgParam::Bytes(StoredRequest(request).SerializeAsString())},
         /*claims=*/true});
  }
  return statements;
}

// A newest-first page of `query`.
template <typename Record>
absl::StatusOr<storage::Page<Record>> TimelinePage(storage::postgres::PgPool& pool,
                                                   const TimelineQuery& query,
                                                   const std::string& person,
                                                   const std::string& cursor, int limit,
                                                   absl::FunctionRef<bool(const Record&)> keep) {
  // (micros, id) descending, each batch strictly below the last row of the
  // one before.
  PgConnection* connection = nullptr;
  auto fetch = [&](const std::string& after, int n) -> absl::StatusOr<PgResult> {
    std::vector<PgParam> params = {PgParam::Bytes(person), PgParam::Int(n)};
    std::string sql = query.select;
    if (!after.empty()) {
      auto position = ParseTimelineCursor(after);
      if (!position.ok()) return position.status();
      params.push_back(PgParam::Int(position->micros));
      params.push_back(PgParam::Bytes(position->id));
      absl::StrAppend(&sql, " AND (", query.micros, ", ", query.id, ") < ($3::bigint, $4)");
    }
    absl::StrAppend(&sql, " ORDER BY ", query.micros, " DESC, ", query.id,
                    " DESC LIMIT $2::bigint");
    return connection->Exec(sql, params);
  };
  // The page's batches read one point in time, as one RocksDB snapshot.
  absl::StatusOr<storage::Page<Record>> page;
  absl::Status read = storage::postgres::RunTransaction(
      pool, absl::Now() + kReadDeadline,
      [&](PgConnection& held) {
        connection = &held;
        page = storage::postgres::KeysetPage<Record>(
            fetch, TimelineCursor, cursor, limit,
            [&](const PgResult& rows, int row) -> absl::StatusOr<std::optional<Record>> {
              auto record = ParseValue<Record>(rows.Value(row, 2));
              if (!record.ok()) return record.status();
              if (!keep(*record)) return std::nullopt;
              return std::optional<Record>(std::move(*record));
            });
        return page.status();
      },
      /*attempts=*/1, "REPEATABLE READ READ ONLY");
  if (!read.ok()) return read;
  return page;
}

template <typename Record>
absl::StatusOr<storage::Page<Record>> WholeTimeline(storage::postgres::PgPool& pool,
                                                    const TimelineQuery& query,
                                                    const std::string& person,
                                                    const std::string& cursor, int limit) {
  return TimelinePage<Record>(pool, query, person, cursor, limit,
                              [](const Record&) { return true; });
}

}  // namespace

PostgresRecommendationStore::PostgresRecommendationStore(
    std::unique_ptr<storage::postgres::PgPool> pool)
    : pool_(std::move(pool)), admin_(pool_.get(), kTables) {}

absl::StatusOr<std::unique_ptr<PostgresRecommendationStore>> PostgresRecommendationStore::Open(
    std::unique_ptr<storage::postgres::PgPool> pool) {
  if (absl::Status migrated =
          storage::postgres::MigrateSchema(*pool, "recommendations", Migrations());
      !migrated.ok()) {
    return migrated;
  }
  return std::unique_ptr<PostgresRecommendationStore>(
      new PostgresRecommendationStore(std::move(pool)));
}

absl::StatusOr<std::optional<v1::Recommendation>> PostgresRecommendationStore::Recommendation(
    const std::string& id) const {
  return FirstOrNone<v1::Recommendation>(pool_->Query(
      "SELECT record FROM recommendations_recommendations WHERE id = $1", {PgParam::Bytes(id)}));
}

absl::StatusOr<std::vector<v1::Recommendation>> PostgresRecommendationStore::Recommendations(
    const std::vector<std::string>& ids) const {
  return AllOf<v1::Recommendation>(
      storage::postgres::RecordsInOrder(*pool_, "recommendations_recommendations", ids));
}

absl::StatusOr<storage::Page<v1::Recommendation>>
PostgresRecommendationStore::RecommendationsOfSubject(const std::string& subject,
                                                      const std::string& cursor, int limit,
                                                      RecommendationFilter keep) const {
  return TimelinePage<v1::Recommendation>(*pool_, kRecommendationsOfSubject, subject, cursor, limit,
                                          keep);
}

absl::StatusOr<storage::Page<v1::Recommendation>>
PostgresRecommendationStore::RecommendationsByAuthor(const std::string& author,
                                                     const std::string& cursor, int limit,
                                                     RecommendationFilter keep) const {
  return TimelinePage<v1::Recommendation>(*pool_, kRecommendationsByAuthor, author, cursor, limit,
                                          keep);
}

absl::StatusOr<std::vector<v1::Recommendation>> PostgresRecommendationStore::Versions(
    const std::string& id) const {
  return AllOf<v1::Recommendation>(
      pool_->Query("SELECT record FROM recommendations_versions WHERE id = $1 "
                   "ORDER BY version DESC",
                   {PgParam::Bytes(id)}));
}

absl::StatusOr<std::vector<std::string>> PostgresRecommendationStore::RecommendationIdsOfPair(
    const std::string& author, const std::string& subject) const {
  auto rows = pool_->Query(
      "SELECT id FROM recommendations_recommendations WHERE author = $1 AND subject = $2 "
      "ORDER BY id",
      {PgParam::Bytes(author), PgParam::Bytes(subject)});
  if (!rows.ok()) return rows.status();
  std::vector<std::string> ids;
  for (int row = 0; row < rows->rows(); ++row) ids.emplace_back(rows->Value(row, 0));
  return ids;
}

absl::StatusOr<std::optional<v1::RecommendationRequest>> PostgresRecommendationStore::Request(
    const std::string& id) const {
  return FirstOrNone<v1::RecommendationRequest>(pool_->Query(
      "SELECT record FROM recommendations_requests WHERE id = $1", {PgParam::Bytes(id)}));
}

absl::StatusOr<storage::Page<v1::RecommendationRequest>>
PostgresRecommendationStore::RequestsToAuthor(const std::string& author, const std::string& cursor,
                                              int limit) const {
  return WholeTimeline<v1::RecommendationRequest>(*pool_, kRequestsToAuthor, author, cursor, limit);
}

absl::StatusOr<storage::Page<v1::RecommendationRequest>>
PostgresRecommendationStore::RequestsFromSubject(const std::string& subject,
                                                 const std::string& cursor, int limit) const {
  return WholeTimeline<v1::RecommendationRequest>(*pool_, kRequestsFromSubject, subject, cursor,
                                                  limit);
}

absl::StatusOr<std::optional<v1::RecommendationRequest>> PostgresRecommendationStore::OpenRequest(
    const std::string& subject, const std::string& author) const {
  return FirstOrNone<v1::RecommendationRequest>(
      pool_->Query("SELECT record FROM recommendations_requests WHERE author = $1 AND "
                   "subject = $2 AND open ORDER BY id LIMIT 1",
                   {PgParam::Bytes(author), PgParam::Bytes(subject)}));
}

absl::StatusOr<int> PostgresRecommendationStore::CountRequestsSince(const std::string& subject,
                                                                    absl::Time since,
                                                                    int up_to) const {
  return CountOf(pool_->Query(
      "SELECT count(*)::bigint FROM (SELECT 1 FROM recommendations_requests WHERE subject = $1 "
      "AND micros >= $2::bigint LIMIT $3::bigint) AS sent",
      {PgParam::Bytes(subject), PgParam::Int(absl::ToUnixMicros(since)), PgParam::Int(up_to)}));
}

absl::StatusOr<std::optional<v1::BlockedRequester>> PostgresRecommendationStore::Blocked(
    const std::string& author, const std::string& requester) const {
  return FirstOrNone<v1::BlockedRequester>(
      pool_->Query("SELECT record FROM recommendations_blocks WHERE author = $1 AND requester = $2",
                   {PgParam::Bytes(author), PgParam::Bytes(requester)}));
}

absl::StatusOr<storage::Page<v1::BlockedRequester>> PostgresRecommendationStore::BlockedRequesters(
    const std::string& author, const std::string& cursor, int limit) const {
  // In requester id order; the cursor is the last requester's id.
  return storage::postgres::KeysetPage<v1::BlockedRequester>(
      [&](const std::string& after, int n) {
        return pool_->Query(
            "SELECT requester, record FROM recommendations_blocks WHERE author = $1 AND "
            "requester > $2 ORDER BY requester LIMIT $3::bigint",
            {PgParam::Bytes(author), PgParam::Bytes(after), PgParam::Int(n)});
      },
      [](const PgResult& rows, int row) { return std::string(rows.Value(row, 0)); }, cursor, limit,
      [](const PgResult& rows, int row) -> absl::StatusOr<std::optional<v1::BlockedRequester>> {
        auto blocked = ParseValue<v1::BlockedRequester>(rows.Value(row, 1));
        if (!blocked.ok()) return blocked.status();
        return std::optional<v1::BlockedRequester>(std::move(*blocked));
      });
}

absl::StatusOr<int> PostgresRecommendationStore::CountBlocked(const std::string& author,
                                                              int up_to) const {
  return CountOf(pool_->Query(
      "SELECT count(*)::bigint FROM (SELECT 1 FROM recommendations_blocks WHERE author = $1 "
      "LIMIT $2::bigint) AS held",
      {PgParam::Bytes(author), PgParam::Int(up_to)}));
}

absl::StatusOr<std::optional<internal::ShareRecord>> PostgresRecommendationStore::Share(
    const std::string& id) const {
  return FirstOrNone<internal::ShareRecord>(pool_->Query(
      "SELECT record FROM recommendations_shares WHERE id = $1", {PgParam::Bytes(id)}));
}

absl::StatusOr<std::optional<internal::ShareRecord>> PostgresRecommendationStore::ShareByTokenHash(
    const std::string& token_hash) const {
  return FirstOrNone<internal::ShareRecord>(
      pool_->Query("SELECT record FROM recommendations_shares WHERE token_hash = $1",
                   {PgParam::Bytes(token_hash)}));
}

absl::StatusOr<storage::Page<v1::Share>> PostgresRecommendationStore::SharesOfSubject(
    const std::string& subject, const std::string& cursor, int limit) const {
  auto records =
      WholeTimeline<internal::ShareRecord>(*pool_, kSharesOfSubject, subject, cursor, limit);
  if (!records.ok()) return records.status();
  storage::Page<v1::Share> page{.next_cursor = std::move(records->next_cursor)};
  for (auto& record : records->items) page.items.push_back(std::move(*record.mutable_share()));
  return page;
}

absl::StatusOr<storage::Page<v1::AccessEntry>> PostgresRecommendationStore::AccessLog(
    const std::string& person, const std::string& cursor, int limit) const {
  return WholeTimeline<v1::AccessEntry>(*pool_, kAccessLog, person, cursor, limit);
}

absl::StatusOr<int> PostgresRecommendationStore::EraseAccessLog(const std::string& person,
                                                                int limit) {
  int erased = 0;
  absl::Status ran = storage::postgres::RunTransaction(
      *pool_, absl::Now() + kWriteDeadline, [&](PgConnection& connection) -> absl::Status {
        erased = 0;
        auto rows = connection.Exec(
            "SELECT l.entry_id, e.record FROM recommendations_access_log l "
            "JOIN recommendations_access_entries e ON e.id = l.entry_id WHERE l.person = $1 "
            "ORDER BY l.micros DESC, l.entry_id DESC LIMIT $2::bigint FOR UPDATE",
            {PgParam::Bytes(person), PgParam::Int(limit)});
        if (!rows.ok()) return rows.status();
        std::vector<PgStatement> statements;
        for (int row = 0; row < rows->rows(); ++row) {
          auto entry = ParseValue<v1::AccessEntry>(rows->Value(row, 1));
          if (!entry.ok()) return entry.status();
          const PgParam id = PgParam::Bytes(rows->Value(row, 0));
          const std::optional<v1::AccessEntry> kept = AccessWithout(*entry, person);
          if (kept) {
            statements.push_back(
                {"DELETE FROM recommendations_access_log WHERE person = $1 AND entry_id = $2",
                 {PgParam::Bytes(person), id}});
            statements.push_back(
                {"UPDATE recommendations_access_entries SET record = $2 "
                 "WHERE id = $1",
                 {id, PgParam::Bytes(kept->SerializeAsString())}});
          } else {
            statements.push_back(
                {"DELETE FROM recommendations_access_log WHERE entry_id = $1", {id}});
            statements.push_back(
                {"DELETE FROM recommendations_access_entries WHERE id = $1", {id}});
          }
        }
        erased = rows->rows();
        return storage::postgres::ExecAll(connection, statements).status();
      });
  if (!ran.ok()) return ran;
  return erased;
}

absl::StatusOr<int> PostgresRecommendationStore::EraseBlocksOf(const std::string& requester) {
  auto deleted = pool_->Query("DELETE FROM recommendations_blocks WHERE requester = $1",
                              {PgParam::Bytes(requester)});
  if (!deleted.ok()) return deleted.status();
  return static_cast<int>(deleted->RowsAffected());
}

absl::StatusOr<std::string> PostgresRecommendationStore::Marker(const std::string& name) const {
  return storage::postgres::NamedValue(*pool_, "recommendations_markers", name);
}

absl::Status PostgresRecommendationStore::SetMarker(const std::string& name,
                                                    const std::string& value) {
  return storage::postgres::SetNamedValue(*pool_, "recommendations_markers", name, value);
}

absl::StatusOr<std::string> PostgresRecommendationStore::TrustCursor() const {
  return storage::postgres::NamedValue(*pool_, "recommendations_markers", kTrustCursorMarker);
}

absl::Status PostgresRecommendationStore::Apply(const RecommendationWrite& write) {
  const std::vector<PgStatement> statements = StatementsOf(write);
  // READ COMMITTED: the logic has made its checks under locks of its own
  // process; StillAsRead and the claims keep them true against the others.
  bool conflict = false;
  absl::Status applied = storage::postgres::RunTransaction(
      *pool_, absl::Now() + kWriteDeadline,
      [&](PgConnection& connection) -> absl::Status {
        if (write.sync_later()) {
          auto relaxed = connection.Exec("SET LOCAL synchronous_commit = off");
          if (!relaxed.ok()) return relaxed.status();
        }
        auto ran = StillAsRead(connection, write);
        if (ran.ok() && *ran) ran = storage::postgres::ExecAll(connection, statements);
        if (!ran.ok()) return ran.status();
        conflict = !*ran;
        return conflict ? absl::FailedPreconditionError(kConflict) : absl::OkStatus();
      },
      /*attempts=*/5, "READ COMMITTED");
  if (conflict) return absl::AbortedError(kConflict);
  return applied;
}

std::unique_ptr<storage::Leadership> PostgresRecommendationStore::ConsumerLeadership(
    const std::string& holder) {
  return std::make_unique<storage::postgres::PgLease>(
      pool_.get(), "recommendations_leases", "trust_change_consumer", holder, kConsumerLeaseTtl);
}

absl::StatusOr<std::optional<RequestRecord>> PostgresRecommendationStore::FindRequest(
    const RequestKey& key) const {
  auto stored = FirstOrNone<internal::RequestRecord>(pool_->Query(
      "SELECT record FROM recommendations_idempotency WHERE scope = $1 AND request_id = $2",
      {PgParam::Bytes(key.scope), PgParam::Bytes(key.request_id)}));
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return std::nullopt;
  return LoadedRequest(key, **stored);
}

absl::StatusOr<std::string> PostgresRecommendationStore::KeepSecret(const std::string& name,
                                                                    const std::string& fresh) {
  return storage::postgres::KeepFirstValue(*pool_, "recommendations_secrets", name, fresh);
}

}  // namespace trustsphere::recommendations
