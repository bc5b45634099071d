#pragma once

// What operators ask of a service's storage, whatever the engine behind it:
// online backups and figures per record kind. Servers' admin service and
// /metrics depend on this, not on an engine.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace trustsphere::storage {

struct RecordKindStats {
  std::string name;
  uint64_t estimated_keys = 0;
  uint64_t sst_bytes = 0;
  uint64_t memtable_bytes = 0;
  uint64_t pending_compaction_bytes = 0;
};

struct BackupInfo {
  uint32_t id = 0;
  int64_t unix_seconds = 0;
  uint64_t size_bytes = 0;
  uint32_t file_count = 0;
};

class StorageAdmin {
 public:
  virtual ~StorageAdmin() = default;
  // Online backup into backup_dir (created when missing).
  virtual absl::StatusOr<BackupInfo> CreateBackup(const std::string& backup_dir) = 0;
  virtual absl::StatusOr<std::vector<BackupInfo>> ListBackups(
      const std::string& backup_dir) const = 0;
  // Estimates per record kind (column family, table).
  virtual std::vector<RecordKindStats> Stats() const = 0;
  // OK when the storage can take writes now; UNAVAILABLE with the reason
  // otherwise (a lost, full or read-only database). Called by the health
  // probe, every --health_probe_period.
  virtual absl::Status CheckWritable() = 0;
  // Rewrites what the storage holds on disk so that the bytes of deleted
  // records are gone (an erasure's last step). Blocks for as long as that
  // takes; a database that reclaims on its own schedule does nothing.
  virtual absl::Status ReclaimDeleted() { return absl::OkStatus(); }
};

}  // namespace trustsphere::storage
