#pragma once

// The parts every server wires the same way: the worker pool, token
// verification, metrics, rate limits, the RPC runner and the admin service.

#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "services/common/auth/revocation_follower.h"
#include "services/common/auth/token_verifier.h"
#include "services/common/server/admin_handlers.h"
#include "services/common/server/executor.h"
#include "services/common/server/metrics.h"
#include "services/common/server/private_files.h"
#include "services/common/server/rpc_runner.h"
#include "services/common/server/server_main.h"
#include "services/common/server/transport_security.h"

namespace trustsphere {

struct ServerParts {
  // service: the server's own gRPC service name; configured by the flags of
  // server_main.h.
  ServerParts(const std::string& service, const std::string& data_dir)
      : executor(absl::GetFlag(FLAGS_worker_threads), absl::GetFlag(FLAGS_max_queued_calls)),
        metrics(service),
        quotas(CallQuotasFromFlags()),
        runner(&executor, &verifier, &metrics, LogEveryCallFromFlags(), quotas.get()),
        admin(&runner, service, PrivateBackupDir(data_dir)) {
    verifier.RequireServiceCertificates(RequireClientCertFromFlags());
  }

  // The storage, once open (null when closing), for admin and metrics.
  void Attach(storage::StorageAdmin* storage) {
    admin.Attach(storage);
    metrics.Attach(storage);
  }

  // Refuses deleted people's tokens from the start on: reads identity's
  // change log through `list_changes` (within `timeout`), then every
  // --revocation_poll_period.
  absl::Status FollowDeletions(RevocationFollower::ListChanges list_changes,
                               absl::Duration timeout) {
    deletions = std::make_unique<RevocationFollower>(std::move(list_changes), &verifier,
                                                     absl::GetFlag(FLAGS_revocation_poll_period));
    return deletions->Start(timeout);
  }

  Executor executor;
  TokenVerifier verifier;
  // Stopped (reset) before what its ListChanges uses goes away.
  std::unique_ptr<RevocationFollower> deletions;
  Metrics metrics;
  std::unique_ptr<CallQuotas> quotas;  // null with --quotas=off
  RpcRunner runner;
  AdminHandlers admin;

 private:
  // --backup_dir (default <data_dir>/backups), with what it holds made the
  // server's own: the default lies within the data folder, which start-up
  // has already made so.
  static std::string PrivateBackupDir(const std::string& data_dir) {
    const std::string& chosen = absl::GetFlag(FLAGS_backup_dir);
    if (!chosen.empty()) RestrictToOwner(chosen);
    return PathOrDefault(chosen, data_dir, "backups");
  }
};

}  // namespace trustsphere
