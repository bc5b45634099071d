#include "storage/postgres/pg_admin.h"

namespace trustsphere::storage::postgres {
namespace {

absl::Status BackupsAreTheDatabases() {
  return absl::FailedPreconditionError(
      "backups of a PostgreSQL-protocol database are the database's own "
      "(pg_basebackup, the cluster manager's schedule)");
}

}  // namespace

absl::StatusOr<BackupInfo> PgAdmin::CreateBackup(const std::string&) {
  return BackupsAreTheDatabases();
}

absl::StatusOr<std::vector<BackupInfo>> PgAdmin::ListBackups(const std::string&) const {
  return BackupsAreTheDatabases();
}

absl::Status PgAdmin::CheckWritable() {
  auto row = pool_->Query("SELECT current_setting('transaction_read_only')");
  if (!row.ok()) return row.status();
  if (row->Value(0, 0) == "on") {
    return absl::UnavailableError("the database is read-only (a standby, or a failover under way)");
  }
  return absl::OkStatus();
}

std::vector<RecordKindStats> PgAdmin::Stats() const {
  std::vector<RecordKindStats> stats;
  for (const std::string& table : tables_) {
    RecordKindStats& kind = stats.emplace_back();
    kind.name = table;
    // Figures are best effort: a table the planner has not analysed yet
    // counts -1 rows, shown as 0.
    auto row = pool_->Query(
        "SELECT greatest(reltuples, 0)::bigint, pg_total_relation_size(oid)::bigint "
        "FROM pg_class WHERE oid = to_regclass($1)",
        {PgParam::Text(table)});
    if (!row.ok() || row->rows() == 0) continue;
    kind.estimated_keys = static_cast<uint64_t>(row->Int64(0, 0));
    kind.sst_bytes = static_cast<uint64_t>(row->Int64(0, 1));
  }
  return stats;
}

}  // namespace trustsphere::storage::postgres
