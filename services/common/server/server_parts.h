#pragma once

// The parts every server wires the same way: the worker pool, token
// verification, metrics, rate limits, the RPC runner and the admin service.

#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "services/common/auth/revocation_follower.h"
#include "services/common/auth/token_verifier.h"
#include "services/common/downstream/erasure_follower.h"
#include "services/common/server/admin_handlers.h"
#include "services/common/server/deleted_bytes_reclaimer.h"
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

  // Has `storage` let go of erased records' bytes (DeletedBytesReclaimer)
  // after each erasure, at most every `period`.
  void ReclaimErasedBytes(storage::StorageAdmin* storage, absl::Duration period) {
    reclaimer = std::make_unique<DeletedBytesReclaimer>(storage, period);
  }

  // Erases the people identity deletes: an ErasureFollower over
  // `list_changes` calling `erase` for each, keeping where it stopped as a
  // marker of `store` (the service's store port), polling every `period`,
  // its erasures reclaimed and its progress on /metrics.
  template <typename Store>
  void EraseDeletedPeople(ErasureFollower::ListChanges list_changes, Store* store,
                          std::function<absl::StatusOr<int64_t>(const std::string&)> erase,
                          absl::Duration period) {
    if (!erasure_metrics_added_) {
      erasure_metrics_added_ = true;
      metrics.AddReading("trustsphere_erasure_people_total", "counter",
                         "People erased since the start, as identity's change log deleted them.",
                         [this] { return static_cast<double>(erasure_progress.people_erased); });
      metrics.AddReading(
          "trustsphere_erasure_behind_seconds", "gauge",
          "Seconds since the erasure follower last read identity's change log to its end with "
          "every deletion erased: it grows while erasure is stuck.",
          [this] { return erasure_progress.SecondsBehind(); });
    }
    ErasureFollower::Service service{
        .erase = std::move(erase),
        .load_cursor = [store] { return store->Marker(ErasureFollower::kCursorMarker); },
        .save_cursor =
            [store](const std::string& cursor) {
              return store->SetMarker(ErasureFollower::kCursorMarker, cursor);
            },
        .erased = [this] { ReclaimDue(); }};
    erasures = std::make_unique<ErasureFollower>(std::move(list_changes), std::move(service),
                                                 period, &erasure_progress);
    erasures->Start();
  }

  // Something was erased: its bytes are to be reclaimed.
  void ReclaimDue() {
    if (reclaimer) reclaimer->Due();
  }
  // Before the storage and what the erasure uses go away.
  void StopErasure() {
    erasures.reset();
    reclaimer.reset();
  }

  Executor executor;
  TokenVerifier verifier;
  // Stopped (reset) before what its ListChanges uses goes away.
  std::unique_ptr<RevocationFollower> deletions;
  // The same for what its Service uses; the reclaimer before the storage.
  std::unique_ptr<ErasureFollower> erasures;
  std::unique_ptr<DeletedBytesReclaimer> reclaimer;
  ErasureFollower::Progress erasure_progress;
  Metrics metrics;
  std::unique_ptr<CallQuotas> quotas;  // null with --quotas=off
  RpcRunner runner;
  AdminHandlers admin;

 private:
  bool erasure_metrics_added_ = false;
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
