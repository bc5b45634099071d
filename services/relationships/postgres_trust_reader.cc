#include "services/relationships/postgres_trust_reader.h"

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "storage/postgres/pg_messages.h"
#include "storage/postgres/pg_paging.h"

namespace trustsphere::relationships {
namespace {

using storage::ParseValue;
using storage::postgres::FetchAfter;
using storage::postgres::FirstOrNone;
using storage::postgres::KeysetPage;
using storage::postgres::kMaxBatch;
using storage::postgres::PgConnection;
using storage::postgres::PgParam;
using storage::postgres::PgPool;
using storage::postgres::PgResult;

// The visibility and activity columns are stored as integers and booleans
// so that the index queries below read no record.
#define TRUSTSPHERE_MUTUAL_REFERENCES                                \
  "SELECT s.trustee, s.visibility::bigint, r.visibility::bigint "    \
  "FROM relationships_statements s JOIN relationships_statements r " \
  "ON r.truster = s.trustee AND r.trustee = s.truster "              \
  "WHERE s.truster = $1 AND s.active AND r.active "
constexpr char kReferencesAfter[] =
    TRUSTSPHERE_MUTUAL_REFERENCES "AND s.trustee > $2 ORDER BY s.trustee LIMIT $3::bigint";
constexpr char kReferenceTo[] = TRUSTSPHERE_MUTUAL_REFERENCES "AND s.trustee = $2";
#undef TRUSTSPHERE_MUTUAL_REFERENCES

ReferenceEdge EdgeOf(const PgResult& rows, int row) {
  return {.other = std::string(rows.Value(row, 0)),
          .outgoing = static_cast<v1::Visibility>(rows.Int64(row, 1)),
          .incoming = static_cast<v1::Visibility>(rows.Int64(row, 2))};
}

// The other person's id, in column 0 of every list: a page's cursor.
std::string OtherOf(const PgResult& rows, int row) { return std::string(rows.Value(row, 0)); }

// Every row after "" in batches, until `visit` returns false.
absl::Status VisitAll(FetchAfter fetch,
                      absl::FunctionRef<absl::StatusOr<bool>(const PgResult&, int)> visit) {
  std::string after;
  while (true) {
    auto rows = fetch(after, kMaxBatch);
    if (!rows.ok()) return rows.status();
    for (int row = 0; row < rows->rows(); ++row) {
      auto more = visit(*rows, row);
      if (!more.ok()) return more.status();
      if (!*more) return absl::OkStatus();
    }
    if (rows->rows() < kMaxBatch) return absl::OkStatus();
    after.assign(rows->Value(rows->rows() - 1, 0));
  }
}

class PostgresTrustReader final : public TrustReader {
 public:
  // Latest: a connection for each query.
  explicit PostgresTrustReader(PgPool& pool) : pool_(pool) {}

  // Snapshot: one connection held in a read-only transaction whose
  // snapshot is fixed, with `head` the change head it holds.
  PostgresTrustReader(PgPool& pool, absl::StatusOr<PgPool::Lease> lease, uint64_t head)
      : pool_(pool) {
    if (!lease.ok()) {
      broken_ = lease.status();
      return;
    }
    held_.emplace(std::move(*lease));
    head_ = head;
  }

  ~PostgresTrustReader() override {
    if (held_ && !(*held_)->broken()) (*held_)->Exec("COMMIT").IgnoreError();
  }

  absl::StatusOr<std::optional<v1::TrustStatement>> Statement(const std::string& truster,
                                                              const std::string& trustee) override {
    return FirstOrNone<v1::TrustStatement>(
        Run("SELECT record FROM relationships_statements WHERE truster = $1 AND trustee = $2",
            {PgParam::Bytes(truster), PgParam::Bytes(trustee)}));
  }

  absl::StatusOr<std::vector<std::optional<v1::TrustStatement>>> Statements(
      const std::vector<std::pair<std::string, std::string>>& pairs) override {
    std::vector<std::string> trusters, trustees;
    for (const auto& [truster, trustee] : pairs) {
      trusters.push_back(truster);
      trustees.push_back(trustee);
    }
    auto rows =
        Run("SELECT s.record FROM unnest($1::bytea[], $2::bytea[]) WITH ORDINALITY AS "
            "wanted(truster, trustee, n) LEFT JOIN relationships_statements s "
            "ON s.truster = wanted.truster AND s.trustee = wanted.trustee ORDER BY wanted.n",
            {PgParam::ByteaArray(trusters), PgParam::ByteaArray(trustees)});
    if (!rows.ok()) return rows.status();
    std::vector<std::optional<v1::TrustStatement>> statements(pairs.size());
    for (int row = 0; row < rows->rows() && row < static_cast<int>(pairs.size()); ++row) {
      if (rows->IsNull(row, 0)) continue;
      auto statement = ParseValue<v1::TrustStatement>(rows->Value(row, 0));
      if (!statement.ok()) return statement.status();
      statements[row] = std::move(*statement);
    }
    return statements;
  }

  absl::StatusOr<std::optional<ReferenceEdge>> Reference(const std::string& person,
                                                         const std::string& other) override {
    auto rows = Run(kReferenceTo, {PgParam::Bytes(person), PgParam::Bytes(other)});
    if (!rows.ok()) return rows.status();
    if (rows->rows() == 0) return std::nullopt;
    return std::optional<ReferenceEdge>(EdgeOf(*rows, 0));
  }

  absl::StatusOr<storage::Page<v1::TrustStatement>> Outgoing(const std::string& person,
                                                             const std::string& cursor, int limit,
                                                             StatementFilter keep) override {
    return StatementPage(
        "SELECT trustee, record FROM relationships_statements WHERE truster = $1 AND trustee > $2 "
        "ORDER BY trustee LIMIT $3::bigint",
        person, cursor, limit, keep);
  }

  absl::StatusOr<storage::Page<v1::TrustStatement>> Incoming(const std::string& person,
                                                             const std::string& cursor, int limit,
                                                             StatementFilter keep) override {
    return StatementPage(
        "SELECT truster, record FROM relationships_statements WHERE trustee = $1 AND truster > $2 "
        "ORDER BY truster LIMIT $3::bigint",
        person, cursor, limit, keep);
  }

  absl::StatusOr<storage::Page<v1::TrustStatement>> Pending(const std::string& person,
                                                            const std::string& cursor, int limit,
                                                            StatementFilter keep) override {
    // Active about the person, and no active statement back.
    return StatementPage(
        "SELECT s.truster, s.record FROM relationships_statements s "
        "WHERE s.trustee = $1 AND s.active AND s.truster > $2 AND NOT EXISTS ("
        "SELECT 1 FROM relationships_statements r "
        "WHERE r.truster = $1 AND r.trustee = s.truster AND r.active) "
        "ORDER BY s.truster LIMIT $3::bigint",
        person, cursor, limit, keep);
  }

  absl::StatusOr<storage::Page<ReferenceEdge>> References(const std::string& person,
                                                          const std::string& cursor, int limit,
                                                          EdgeFilter keep) override {
    return KeysetPage<ReferenceEdge>(
        [&](const std::string& after, int n) { return ReferencesAfter(person, after, n); }, OtherOf,
        cursor, limit,
        [&](const PgResult& rows, int row) -> absl::StatusOr<std::optional<ReferenceEdge>> {
          ReferenceEdge edge = EdgeOf(rows, row);
          if (!keep(edge)) return std::nullopt;
          return std::optional<ReferenceEdge>(std::move(edge));
        });
  }

  absl::Status VisitReferences(const std::string& person,
                               absl::FunctionRef<bool(const ReferenceEdge&)> visit) override {
    return VisitAll(
        [&](const std::string& after, int n) { return ReferencesAfter(person, after, n); },
        [&](const PgResult& rows, int row) -> absl::StatusOr<bool> {
          return visit(EdgeOf(rows, row));
        });
  }

  absl::Status VisitFacetHolders(const std::string& subject, const common::v1::Facet& facet,
                                 absl::FunctionRef<bool(const FacetHolder&)> visit) override {
    return VisitAll(
        [&](const std::string& after, int n) {
          return Run(
              "SELECT truster, visibility::bigint FROM relationships_facets "
              "WHERE subject = $1 AND kind = $2::integer AND key = $3 AND truster > $4 "
              "ORDER BY truster LIMIT $5::bigint",
              {PgParam::Bytes(subject), PgParam::Int(facet.kind()), PgParam::Bytes(facet.key()),
               PgParam::Bytes(after), PgParam::Int(n)});
        },
        [&](const PgResult& rows, int row) -> absl::StatusOr<bool> {
          return visit({.truster = std::string(rows.Value(row, 0)),
                        .visibility = static_cast<v1::Visibility>(rows.Int64(row, 1))});
        });
  }

  absl::StatusOr<StatementCounts> Counts(const std::string& person) override {
    // Counted from the statements, by the rules of DeltasOf: unanswered
    // is active with no active, non-PRIVATE statement back.
    auto rows = Run(
        "SELECT count(*) FILTER (WHERE s.active), count(*), count(*) FILTER (WHERE s.active AND "
        "NOT EXISTS (SELECT 1 FROM relationships_statements r WHERE r.truster = s.trustee AND "
        "r.trustee = s.truster AND r.active AND r.visibility <> $2::integer)) "
        "FROM relationships_statements s WHERE s.truster = $1",
        {PgParam::Bytes(person), PgParam::Int(v1::VISIBILITY_PRIVATE)});
    if (!rows.ok()) return rows.status();
    return StatementCounts{
        .active = rows->Int64(0, 0), .kept = rows->Int64(0, 1), .unanswered = rows->Int64(0, 2)};
  }

  absl::Status VisitStatements(
      absl::FunctionRef<absl::StatusOr<bool>(const v1::TrustStatement&)> visit) override {
    // Keyset pages over (truster, trustee), the primary key's order.
    v1::TrustStatement statement;
    std::string truster, trustee;
    while (true) {
      auto rows =
          Run("SELECT truster, trustee, record FROM relationships_statements "
              "WHERE (truster, trustee) > ($1, $2) ORDER BY truster, trustee LIMIT $3::bigint",
              {PgParam::Bytes(truster), PgParam::Bytes(trustee), PgParam::Int(kMaxBatch)});
      if (!rows.ok()) return rows.status();
      for (int row = 0; row < rows->rows(); ++row) {
        std::string_view record = rows->Value(row, 2);
        if (!statement.ParseFromArray(record.data(), static_cast<int>(record.size()))) {
          return absl::DataLossError("a stored statement does not parse");
        }
        auto more = visit(statement);
        if (!more.ok()) return more.status();
        if (!*more) return absl::OkStatus();
      }
      if (rows->rows() < kMaxBatch) return absl::OkStatus();
      truster.assign(rows->Value(rows->rows() - 1, 0));
      trustee.assign(rows->Value(rows->rows() - 1, 1));
    }
  }

  absl::StatusOr<std::vector<uint64_t>> ChangeSequencesAfter(uint64_t after) override {
    if (head_) {
      // Numbers are given without gaps under the head row's lock and
      // commit in order: a snapshot holds every change up to its head.
      std::vector<uint64_t> sequences;
      for (uint64_t sequence = after + 1; sequence <= *head_; ++sequence) {
        sequences.push_back(sequence);
      }
      return sequences;
    }
    auto rows = Run(
        "SELECT sequence FROM relationships_changes WHERE sequence > $1::bigint ORDER BY sequence",
        {PgParam::Int(static_cast<int64_t>(after))});
    if (!rows.ok()) return rows.status();
    std::vector<uint64_t> sequences;
    for (int row = 0; row < rows->rows(); ++row) {
      sequences.push_back(static_cast<uint64_t>(rows->Int64(row, 0)));
    }
    return sequences;
  }

 private:
  absl::StatusOr<PgResult> Run(std::string_view sql, absl::Span<const PgParam> params) {
    if (!broken_.ok()) return broken_;
    if (!held_) return pool_.Query(sql, params);
    // A reader may be shared by the threads of one request.
    absl::MutexLock lock(&mu_);
    return (*held_)->Exec(sql, params);
  }

  absl::StatusOr<PgResult> ReferencesAfter(const std::string& person, const std::string& after,
                                           int n) {
    return Run(kReferencesAfter, {PgParam::Bytes(person), PgParam::Bytes(after), PgParam::Int(n)});
  }

  // A page of statements whose first column is the other person's id and
  // second the record.
  absl::StatusOr<storage::Page<v1::TrustStatement>> StatementPage(std::string_view sql,
                                                                  const std::string& person,
                                                                  const std::string& cursor,
                                                                  int limit, StatementFilter keep) {
    return KeysetPage<v1::TrustStatement>(
        [&](const std::string& after, int n) {
          return Run(sql, {PgParam::Bytes(person), PgParam::Bytes(after), PgParam::Int(n)});
        },
        OtherOf, cursor, limit,
        [&](const PgResult& rows, int row) -> absl::StatusOr<std::optional<v1::TrustStatement>> {
          auto statement = ParseValue<v1::TrustStatement>(rows.Value(row, 1));
          if (!statement.ok()) return statement.status();
          if (!keep(*statement)) return std::nullopt;
          return std::optional<v1::TrustStatement>(std::move(*statement));
        });
  }

  PgPool& pool_;
  absl::Status broken_;
  absl::Mutex mu_;
  std::optional<PgPool::Lease> held_;
  std::optional<uint64_t> head_;
};

}  // namespace

namespace {

// A connection in a begun transaction whose point in time is not fixed
// yet. If it is never used, the connection goes back to the pool out of
// its transaction.
struct BegunSnapshot {
  explicit BegunSnapshot(absl::StatusOr<PgPool::Lease> begun) : lease(std::move(begun)) {}
  ~BegunSnapshot() {
    if (lease.ok() && !(*lease)->broken()) (*lease)->Exec("ROLLBACK").IgnoreError();
  }
  absl::StatusOr<PgPool::Lease> lease;
};

}  // namespace

std::function<std::unique_ptr<TrustReader>()> PreparePostgresSnapshot(PgPool& pool) {
  // Shared, as std::function copies what it holds; called once.
  auto begun = std::make_shared<BegunSnapshot>(
      pool.AcquireLive(absl::Now() + absl::Seconds(5), [](PgConnection& connection) {
        return connection.Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").status();
      }));
  return [&pool, begun]() -> std::unique_ptr<TrustReader> {
    absl::StatusOr<PgPool::Lease>& lease = begun->lease;
    if (!lease.ok()) return std::make_unique<PostgresTrustReader>(pool, lease.status(), 0);
    // The first query fixes the snapshot; the head says which changes it holds.
    auto read = (*lease)->Exec("SELECT sequence FROM relationships_change_head");
    absl::Status fixed = read.status();
    if (fixed.ok() && read->rows() != 1) {
      fixed = absl::DataLossError("relationships_change_head lost its row");
    }
    if (!fixed.ok()) return std::make_unique<PostgresTrustReader>(pool, fixed, 0);
    // The reader ends the transaction from here on.
    auto reader = std::make_unique<PostgresTrustReader>(pool, std::move(lease),
                                                        static_cast<uint64_t>(read->Int64(0, 0)));
    lease = absl::CancelledError("taken by the reader");
    return reader;
  };
}

std::unique_ptr<TrustReader> PostgresLatestReader(PgPool& pool) {
  return std::make_unique<PostgresTrustReader>(pool);
}

}  // namespace trustsphere::relationships
