#pragma once

// Slows down password guessing for one email: after kFreeFailures failed
// attempts, each further attempt must wait twice as long as the previous
// one (1 s, 2 s, 4 s ... up to 15 minutes); failures older than that are
// forgiven. MemoryLoginThrottle keeps the failures in this process (a
// restart resets it, which bounds an attacker to a few free guesses per
// restart); replicas of a shared database count them together in it
// (PostgresLoginThrottle), or each replica would grant its own free guesses.

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

  virtual ~LoginThrottle() = default;
  // RESOURCE_EXHAUSTED (with the wait in the message) when this email must
  // wait before another attempt; UNAVAILABLE when the count cannot be read.
  virtual absl::Status Check(const std::string& email, absl::Time now) = 0;
  virtual void RecordFailure(const std::string& email, absl::Time now) = 0;
  virtual void RecordSuccess(const std::string& email) = 0;

 protected:
  // The answer of Check for `failures` failed attempts, the last at `last`.
  static absl::Status Allowed(int64_t failures, absl::Time last, absl::Time now);
  static absl::Duration DelayAfter(int64_t failures);
};

class MemoryLoginThrottle final : public LoginThrottle {
 public:
  absl::Status Check(const std::string& email, absl::Time now) override;
  void RecordFailure(const std::string& email, absl::Time now) override;
  void RecordSuccess(const std::string& email) override;

 private:
  struct Failures {
    int count = 0;
    absl::Time last;
  };
  void EvictStale(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  static constexpr size_t kMaxTracked = 100000;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Failures> failures_ ABSL_GUARDED_BY(mu_);
};

}  // namespace trustsphere::identity
