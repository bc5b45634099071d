#include "storage/postgres/pg_pool.h"

#include <optional>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "storage/write_outcome.h"

namespace trustsphere::storage::postgres {
absl::Status PgPool::Check() {
  auto lease = Acquire(absl::Now() + options_.connect_timeout);
  if (!lease.ok()) return lease.status();
  return (*lease)->Exec("SELECT 1").status();
}

PgPool::Lease::~Lease() {
  if (connection_ != nullptr) pool_->GiveBack(std::move(connection_));
}

absl::StatusOr<PgPool::Lease> PgPool::Acquire(absl::Time deadline) {
  const absl::Time until = std::min(deadline, absl::Now() + options_.acquire_timeout);
  {
    absl::MutexLock lock(&mu_);
    auto available = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !idle_.empty() || open_ < options_.max_connections;
    };
    if (!mu_.AwaitWithDeadline(absl::Condition(&available), until)) {
      if (absl::Now() >= deadline) {
        return absl::DeadlineExceededError("deadline passed waiting for a database connection");
      }
      return absl::ResourceExhaustedError(absl::StrCat(
          "all ", options_.max_connections, " database connections are busy; retry shortly"));
    }
    if (!idle_.empty()) {
      std::unique_ptr<PgConnection> connection = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(connection));
    }
    ++open_;  // a slot held while connecting, outside the lock
  }
  auto connection = PgConnection::Connect(options_.conninfo, options_.connect_timeout);
  if (!connection.ok()) {
    absl::MutexLock lock(&mu_);
    --open_;
    return connection.status();
  }
  return Lease(this, std::move(*connection));
}

void PgPool::GiveBack(std::unique_ptr<PgConnection> connection) {
  if (!connection->reusable()) {
    connection.reset();  // closed before its slot is freed
    absl::MutexLock lock(&mu_);
    --open_;
    return;
  }
  absl::MutexLock lock(&mu_);
  idle_.push_back(std::move(connection));
}

absl::StatusOr<PgPool::Lease> PgPool::AcquireLive(
    absl::Time deadline, absl::FunctionRef<absl::Status(PgConnection&)> first) {
  for (int stale = 0;; ++stale) {
    auto lease = Acquire(deadline);
    if (!lease.ok()) return lease.status();
    absl::Status ran = first(**lease);
    if (ran.ok()) return lease;
    if (!(*lease)->broken() || stale >= options_.max_connections) return ran;
  }
}

absl::StatusOr<PgResult> PgPool::Query(std::string_view sql, absl::Span<const PgParam> params) {
  std::optional<absl::StatusOr<PgResult>> result;
  auto lease = AcquireLive(absl::Now() + options_.connect_timeout, [&](PgConnection& connection) {
    result = connection.Exec(sql, params);
    return result->status();
  });
  if (!lease.ok()) return lease.status();
  return std::move(*result);
}

int PgPool::open() const {
  absl::MutexLock lock(&mu_);
  return open_;
}

absl::Status RunTransaction(PgPool& pool, absl::Time deadline,
                            absl::FunctionRef<absl::Status(PgConnection&)> body, int attempts,
                            const char* isolation,
                            absl::FunctionRef<void(const absl::Status&)> settled) {
  thread_local std::minstd_rand random(std::random_device{}());
  absl::Status last;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return last.ok() ? absl::DeadlineExceededError("deadline passed before the transaction")
                       : last;
    }
    auto lease = pool.AcquireLive(deadline, [&](PgConnection& connection) {
      return connection.Exec(absl::StrCat("BEGIN ISOLATION LEVEL ", isolation)).status();
    });
    if (!lease.ok()) return lease.status();
    PgConnection& connection = **lease;
    // The server stops the statement at the caller's deadline.
    const int64_t millis = std::max<int64_t>(1, absl::ToInt64Milliseconds(left));
    absl::Status status =
        connection.Exec(absl::StrCat("SET LOCAL statement_timeout = ", millis)).status();
    if (status.ok()) status = body(connection);
    if (status.ok()) {
      status = connection.Exec("COMMIT").status();
      if (absl::IsUnavailable(status) && connection.broken()) {
        status = OutcomeUnknownError(status.message());
      }
    } else if (!connection.broken()) {
      connection.Exec("ROLLBACK").IgnoreError();
    }
    settled(status);
    // A connection lost before the COMMIT left: the server rolls back, and
    // a new connection (to a new primary, say) may take the whole body.
    const bool lost_midway =
        absl::IsUnavailable(status) && connection.broken() && !IsOutcomeUnknown(status);
    if (!absl::IsAborted(status) && !lost_midway) return status;
    last = status;
    // Conflicting transactions retried at once would meet again.
    absl::SleepFor(absl::Milliseconds(1 + random() % (5 << attempt)));
  }
  return last;
}

}  // namespace trustsphere::storage::postgres
