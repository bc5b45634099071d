#pragma once

// The login throttle's failures in the shared database (the table
// identity_login_failures of PostgresIdentityStore's schema), so that
// every replica of identity counts the same failures: an attacker spread
// over N replicas gets the free guesses once, not N times. Each failure is
// one atomic upsert; a success deletes the row; rows past the longest delay
// are deleted now and then.

#include <atomic>

#include "services/identity/login_throttle.h"
#include "storage/postgres/pg_pool.h"

namespace trustsphere::identity {

class PostgresLoginThrottle final : public LoginThrottle {
 public:
  // `pool` outlives this.
  explicit PostgresLoginThrottle(storage::postgres::PgPool* pool) : pool_(pool) {}

  absl::Status Check(const std::string& email, absl::Time now) override;
  // A failure that cannot be recorded (the database away) is not: the
  // attempt itself failed on that database too.
  void RecordFailure(const std::string& email, absl::Time now) override;
  void RecordSuccess(const std::string& email) override;

 private:
  storage::postgres::PgPool* pool_;
  std::atomic<uint64_t> failures_recorded_ = 0;
};

}  // namespace trustsphere::identity
