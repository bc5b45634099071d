#pragma once

// Slows down password guessing for one email: after kFreeFailures failed
// attempts, each further attempt must wait twice as long as the previous
// one (1 s, 2 s, 4 s ... up to 15 minutes). Kept in memory: a restart resets
// it, which bounds an attacker to a few free guesses per restart.

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace trustsphere::identity {

class LoginThrottle {
 public:
  static constexpr int kFreeFailures = 5;
  static constexpr absl::Duration kMaxDelay = absl::Minutes(15);

  // RESOURCE_EXHAUSTED (with the wait in the message) when this email must
  // wait before another attempt.
  absl::Status Check(const std::string& email, absl::Time now);
  void RecordFailure(const std::string& email, absl::Time now);
  void RecordSuccess(const std::string& email);

 private:
  struct Failures {
    int count = 0;
    absl::Time last;
  };
  static absl::Duration DelayAfter(int failures);
  void EvictStale(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  static constexpr size_t kMaxTracked = 100000;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Failures> failures_ ABSL_GUARDED_BY(mu_);
};

}  // namespace trustsphere::identity
