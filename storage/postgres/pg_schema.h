#pragma once

// Each service's tables, created and migrated when a server starts. The
// version reached is kept per service in trustsphere_schema; replicas that
// start together migrate one at a time (the others wait on that row, then
// find the work done), and a database migrated by a newer build is refused
// rather than misread.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "storage/postgres/pg_pool.h"

namespace trustsphere::storage::postgres {

struct PgMigration {
  // The version the statements bring the schema to, from the one before.
  int to_version = 0;
  std::vector<std::string> statements;
};

// Checks that the database answers (PgPool::Check: a wrong connection
// string or role is reported in one line), then runs the migrations past
// the stored version, in order, each in the transaction that records its
// version. FAILED_PRECONDITION when the stored
// version is newer than the last migration, or when the role may not
// create tables (a one-line reason for the server to refuse to start).
absl::Status MigrateSchema(PgPool& pool, const std::string& service,
                           const std::vector<PgMigration>& migrations);

// The version recorded for `service`, 0 when none.
absl::StatusOr<int> SchemaVersion(PgPool& pool, const std::string& service);

}  // namespace trustsphere::storage::postgres
