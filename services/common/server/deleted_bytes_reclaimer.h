#pragma once

// Has a service's storage let go of deleted records' bytes
// (StorageAdmin::ReclaimDeleted) after a person's erasure, on a thread of
// its own, at most once per period: RocksDB rewrites every file to do it,
// so a wave of deletions costs one rewrite per period, not one each. The
// first erasure after a start is reclaimed at once; a failed reclaim is
// tried again a period later.

#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "storage/storage_admin.h"

namespace trustsphere {

class DeletedBytesReclaimer {
 public:
  // `admin` outlives this.
  DeletedBytesReclaimer(storage::StorageAdmin* admin, absl::Duration period);
  // Waits for a reclaim under way.
  ~DeletedBytesReclaimer();
  DeletedBytesReclaimer(const DeletedBytesReclaimer&) = delete;
  DeletedBytesReclaimer& operator=(const DeletedBytesReclaimer&) = delete;

  // Something was erased: reclaimed now, or when the period since the
  // last reclaim ends. Returns at once.
  void Due();

 private:
  void Run();

  storage::StorageAdmin* const admin_;
  const absl::Duration period_;
  absl::Mutex mu_;
  bool due_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time last_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  std::thread worker_;
};

}  // namespace trustsphere
