#pragma once

// Who may run a job that one replica at a time may run (the
// recommendations' consumer of the relationships change stream): a lease
// that a holder takes and must renew within its time to live. A holder that
// dies stops renewing, and another takes the lease once it has expired.
// Writes of the job should also be fenced (a compare of what they advance),
// since a holder paused past its lease may still write once.

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace trustsphere::storage {

class Leadership {
 public:
  virtual ~Leadership() = default;
  // Takes the lease if free or expired, or renews it if this holder has it;
  // whether this holder has it now, for `ttl()` from now at least.
  virtual absl::StatusOr<bool> Hold() = 0;
  // Gives the lease up, so that another holder need not wait out its time.
  virtual void Release() = 0;
  virtual absl::Duration ttl() const = 0;
};

}  // namespace trustsphere::storage
