#include "storage/postgres/pg_schema.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace trustsphere::storage::postgres {
namespace {

constexpr absl::Duration kMigrationDeadline = absl::Minutes(5);

absl::Status CreateVersionTable(PgPool& pool) {
  // Created only when absent: CREATE ... IF NOT EXISTS needs the privilege
  // to create even when there is nothing to do.
  auto exists = pool.Query("SELECT to_regclass('trustsphere_schema') IS NOT NULL");
  if (!exists.ok()) return exists.status();
  if (exists->Bool(0, 0)) return absl::OkStatus();
  constexpr char kCreate[] =
      "CREATE TABLE IF NOT EXISTS trustsphere_schema "
      "(service text PRIMARY KEY, version integer NOT NULL)";
  absl::Status created = pool.Query(kCreate).status();
  // Two first starts at once: one of the creations loses the race on the
  // catalog (a unique violation) although the table now exists.
  if (!created.ok() && absl::IsInternal(created)) created = pool.Query(kCreate).status();
  if (!created.ok()) {
    return absl::Status(created.code(),
                        absl::StrCat("creating trustsphere_schema: ", created.message()));
  }
  return absl::OkStatus();
}

int ParseVersion(std::string_view text) {
  const absl::string_view digits(text.data(), text.size());
  int version = 0;
  return absl::SimpleAtoi(digits, &version) ? version : -1;
}

}  // namespace

absl::StatusOr<int> SchemaVersion(PgPool& pool, const std::string& service) {
  if (absl::Status checked = pool.Check(); !checked.ok()) return checked;
  if (absl::Status created = CreateVersionTable(pool); !created.ok()) return created;
  auto row = pool.Query("SELECT version::text FROM trustsphere_schema WHERE service = $1",
                        {PgParam::Text(service)});
  if (!row.ok()) return row.status();
  return row->rows() == 0 ? 0 : ParseVersion(row->Value(0, 0));
}

absl::Status MigrateSchema(PgPool& pool, const std::string& service,
                           const std::vector<PgMigration>& migrations) {
  if (absl::Status checked = pool.Check(); !checked.ok()) return checked;
  if (absl::Status created = CreateVersionTable(pool); !created.ok()) return created;
  const int latest = migrations.empty() ? 0 : migrations.back().to_version;
  return RunTransaction(
      pool, absl::Now() + kMigrationDeadline,
      [&](PgConnection& connection) -> absl::Status {
        auto inserted = connection.Exec(
            "INSERT INTO trustsphere_schema VALUES ($1, 0) ON CONFLICT (service) DO NOTHING",
            {PgParam::Text(service)});
        if (!inserted.ok()) return inserted.status();
        // The row lock makes the other replicas of the service wait here.
        auto row = connection.Exec(
            "SELECT version::text FROM trustsphere_schema WHERE service = $1 FOR UPDATE",
            {PgParam::Text(service)});
        if (!row.ok()) return row.status();
        const int stored = ParseVersion(row->Value(0, 0));
        if (stored > latest) {
          return absl::FailedPreconditionError(
              absl::StrCat("the database holds ", service, " schema version ", stored,
                           "; this build knows up to ", latest, ": refusing to start"));
        }
        for (const PgMigration& migration : migrations) {
          if (migration.to_version <= stored) continue;
          for (const std::string& statement : migration.statements) {
            absl::Status ran = connection.Exec(statement).status();
            if (!ran.ok()) {
              return absl::Status(
                  ran.code(), absl::StrCat(service, " schema version ", migration.to_version, ": ",
                                           ran.message()));
            }
          }
          auto recorded = connection.Exec(
              "UPDATE trustsphere_schema SET version = $2::integer WHERE service = $1",
              {PgParam::Text(service), PgParam::Text(absl::StrCat(migration.to_version))});
          if (!recorded.ok()) return recorded.status();
        }
        return absl::OkStatus();
      },
      /*attempts=*/5, "READ COMMITTED");
}

}  // namespace trustsphere::storage::postgres
