#include "services/common/server/admin_handlers.h"

#include "services/common/core/log.h"
#include "services/common/server/build_info.h"

namespace trustsphere {
namespace {

admin::v1::Backup ToProto(const storage::BackupInfo& info) {
  admin::v1::Backup backup;
  backup.set_id(info.id);
  backup.mutable_create_time()->set_seconds(info.unix_seconds);
  backup.set_size_bytes(static_cast<int64_t>(info.size_bytes));
  backup.set_file_count(static_cast<int32_t>(info.file_count));
  return backup;
}

}  // namespace

AdminHandlers::Reactor* AdminHandlers::CreateBackup(Context* context,
                                                    const admin::v1::CreateBackupRequest*,
                                                    admin::v1::Backup* response) {
  return ForOperators(context, "CreateBackup", [=, this](storage::StorageAdmin& storage) {
    auto backup = storage.CreateBackup(backup_dir_);
    if (!backup.ok()) return backup.status();
    *response = ToProto(*backup);
    Log(LogLevel::kInfo, "backup created",
        {F("dir", backup_dir_), F("id", backup->id), F("bytes", backup->size_bytes)});
    return absl::OkStatus();
  });
}

AdminHandlers::Reactor* AdminHandlers::ListBackups(Context* context,
                                                   const admin::v1::ListBackupsRequest*,
                                                   admin::v1::ListBackupsResponse* response) {
  return ForOperators(context, "ListBackups", [=, this](storage::StorageAdmin& storage) {
    auto backups = storage.ListBackups(backup_dir_);
    if (!backups.ok()) return backups.status();
    for (const auto& info : *backups) *response->add_backups() = ToProto(info);
    return absl::OkStatus();
  });
}

AdminHandlers::Reactor* AdminHandlers::GetStorageStats(
    Context* context, const admin::v1::GetStorageStatsRequest*,
    admin::v1::GetStorageStatsResponse* response) {
  return ForOperators(context, "GetStorageStats", [=](storage::StorageAdmin& storage) {
    for (const auto& family : storage.Stats()) {
      auto* stats = response->add_families();
      stats->set_name(family.name);
      stats->set_estimated_keys(static_cast<int64_t>(family.estimated_keys));
      stats->set_sst_bytes(static_cast<int64_t>(family.sst_bytes));
      stats->set_memtable_bytes(static_cast<int64_t>(family.memtable_bytes));
      stats->set_pending_compaction_bytes(static_cast<int64_t>(family.pending_compaction_bytes));
    }
    return absl::OkStatus();
  });
}

AdminHandlers::Reactor* AdminHandlers::GetBuildInfo(Context* context,
                                                    const admin::v1::GetBuildInfoRequest*,
                                                    admin::v1::BuildInfo* response) {
  return ForOperators(context, "GetBuildInfo", [=, this](storage::StorageAdmin&) {
    *response = CurrentBuildInfo(service_);
    return absl::OkStatus();
  });
}

}  // namespace trustsphere
