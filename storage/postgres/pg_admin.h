#pragma once

// What operators ask of a service's storage (StorageAdmin), over a
// PostgreSQL-protocol database: figures per table from the catalog.
// Backups are the database's own (pg_basebackup, the operator's or the
// cluster manager's), so the backup calls answer FAILED_PRECONDITION with
// that reason.

#include <string>
#include <vector>

#include "storage/postgres/pg_pool.h"
#include "storage/storage_admin.h"

namespace trustsphere::storage::postgres {

class PgAdmin final : public StorageAdmin {
 public:
  PgAdmin(PgPool* pool, std::vector<std::string> tables)
      : pool_(pool), tables_(std::move(tables)) {}

  absl::StatusOr<BackupInfo> CreateBackup(const std::string& backup_dir) override;
  absl::StatusOr<std::vector<BackupInfo>> ListBackups(const std::string& backup_dir) const override;
  // Per table: the planner's row estimate and its size on disk (sst_bytes).
  std::vector<RecordKindStats> Stats() const override;
  // The database answers and takes writes: not a standby, not read-only.
  absl::Status CheckWritable() override;

 private:
  PgPool* pool_;
  std::vector<std::string> tables_;
};

}  // namespace trustsphere::storage::postgres
