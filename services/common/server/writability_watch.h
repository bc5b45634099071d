#pragma once

// What a server's health says of its storage, from the answers of its
// writability probe (StorageAdmin::CheckWritable):
//   ready  while the last answer was OK: readiness, which takes a replica
//          that cannot write out of its Service until it can again;
//   live   unless the storage has answered errors for `restart_after` in a
//          row and a restart may heal it (embedded RocksDB reopened after
//          an error that resuming did not clear): liveness, which has the
//          process restarted. A lost shared database is not healed by
//          restarting every replica, so that storage never asks for it.

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace trustsphere {

class WritabilityWatch {
 public:
  // `restart_after` zero: never ask for a restart.
  WritabilityWatch(absl::Duration restart_after, bool restart_heals)
      : restart_after_(restart_after), restart_heals_(restart_heals) {}

  struct Change {
    bool ready = false;
    bool live = false;
  };
  // Records the probe's answer at `now`; says which of ready and live
  // changed.
  Change Record(const absl::Status& answer, absl::Time now);

  bool ready() const { return ready_; }
  bool live() const { return live_; }
  // Since when the answers have been errors (meaningful while !ready()).
  absl::Time unwritable_since() const { return unwritable_since_; }

 private:
  const absl::Duration restart_after_;
  const bool restart_heals_;
  bool ready_ = true;
  bool live_ = true;
  absl::Time unwritable_since_;
};

}  // namespace trustsphere
