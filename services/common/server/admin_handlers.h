#pragma once

// trustsphere.admin.v1.AdminService, served by every server next to its own
// service: backups, storage figures and build information, for operators.

#include <atomic>
#include <string>

#include "services/common/server/request_parsing.h"
#include "services/common/server/rpc_runner.h"
#include "storage/storage_admin.h"
#include "trustsphere/admin/v1/admin.grpc.pb.h"

namespace trustsphere {

class AdminHandlers final : public StrictlyParsed<admin::v1::AdminService> {
 public:
  // `service` names the server's own service in build information; backups
  // go to `backup_dir`.
  AdminHandlers(RpcRunner* runner, std::string service, std::string backup_dir)
      : runner_(runner), service_(std::move(service)), backup_dir_(std::move(backup_dir)) {}

  // The storage, once open; it must outlive every call.
  void Attach(storage::StorageAdmin* storage) {
    storage_.store(storage, std::memory_order_release);
  }

  using Context = grpc::CallbackServerContext;
  using Reactor = grpc::ServerUnaryReactor;

  Reactor* CreateBackup(Context* context, const admin::v1::CreateBackupRequest* request,
                        admin::v1::Backup* response) override;
  Reactor* ListBackups(Context* context, const admin::v1::ListBackupsRequest* request,
                       admin::v1::ListBackupsResponse* response) override;
  Reactor* GetStorageStats(Context* context, const admin::v1::GetStorageStatsRequest* request,
                           admin::v1::GetStorageStatsResponse* response) override;
  Reactor* GetBuildInfo(Context* context, const admin::v1::GetBuildInfoRequest* request,
                        admin::v1::BuildInfo* response) override;

 private:
  // Runs body(storage) for operators only.
  template <typename Body>
  Reactor* ForOperators(Context* context, const char* method, Body body) {
    return runner_->Run(context, method, Access::kAuthenticated, QuotaClass::kWrites,
                        [=, this](const Caller& caller) -> absl::Status {
                          if (!caller.Has(Role::kOperator)) {
                            return absl::PermissionDeniedError("operators only");
                          }
                          storage::StorageAdmin* storage = storage_.load(std::memory_order_acquire);
                          if (storage == nullptr) return absl::UnavailableError("not ready");
                          return body(*storage);
                        });
  }

  RpcRunner* runner_;
  const std::string service_;
  const std::string backup_dir_;
  std::atomic<storage::StorageAdmin*> storage_{nullptr};
};

}  // namespace trustsphere
