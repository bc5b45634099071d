#include "services/identity/postgres_login_throttle.h"

#include "absl/strings/str_cat.h"

namespace trustsphere::identity {
namespace {

using storage::postgres::PgParam;

int64_t Micros(absl::Time time) { return absl::ToUnixMicros(time); }

// One RecordFailure in this many also deletes the forgiven rows.
constexpr uint64_t kSweepEvery = 256;

}  // namespace

absl::Status PostgresLoginThrottle::Check(const std::string& email, absl::Time now) {
  auto row = pool_->Query(
      "SELECT failures::bigint, last_micros FROM identity_login_failures WHERE email = $1",
      {PgParam::Bytes(email)});
  if (!row.ok()) return row.status();
  if (row->rows() == 0) return absl::OkStatus();
  return Allowed(row->Int64(0, 0), absl::FromUnixMicros(row->Int64(0, 1)), now);
}

void PostgresLoginThrottle::RecordFailure(const std::string& email, absl::Time now) {
  // Counted in the database, so that two replicas' failures add up;
  // failures older than the longest delay are forgiven, as in memory.
  pool_
      ->Query(
          "INSERT INTO identity_login_failures VALUES ($1, 1, $2::bigint) "
          "ON CONFLICT (email) DO UPDATE SET failures = CASE WHEN $2::bigint - "
          "identity_login_failures.last_micros > $3::bigint THEN 1 "
          "ELSE identity_login_failures.failures + 1 END, last_micros = $2::bigint",
          {PgParam::Bytes(email), PgParam::Int(Micros(now)),
           PgParam::Int(absl::ToInt64Microseconds(kMaxDelay))})
      .IgnoreError();
  if (++failures_recorded_ % kSweepEvery == 0) {
    pool_
        ->Query("DELETE FROM identity_login_failures WHERE last_micros < $1::bigint",
                {PgParam::Int(Micros(now - kMaxDelay))})
        .IgnoreError();
  }
}

void PostgresLoginThrottle::RecordSuccess(const std::string& email) {
  pool_->Query("DELETE FROM identity_login_failures WHERE email = $1", {PgParam::Bytes(email)})
      .IgnoreError();
}

}  // namespace trustsphere::identity
