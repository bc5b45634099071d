#pragma once

// A bounded set of connections to one database, shared by a server's
// threads. A caller waits for a free connection at most `acquire_timeout`
// (and never past its own deadline), then gets RESOURCE_EXHAUSTED: a spent
// pool answers, it does not hang. Lost connections are dropped when handed
// back and opened again on demand, so a database that comes back is used
// again without a restart.

#include <memory>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "storage/postgres/pg_connection.h"

namespace trustsphere::storage::postgres {

struct PgPoolOptions {
  std::string conninfo;
  int max_connections = 16;
  absl::Duration acquire_timeout = absl::Milliseconds(500);
  absl::Duration connect_timeout = absl::Seconds(5);
};

class PgPool {
 public:
  explicit PgPool(PgPoolOptions options) : options_(std::move(options)) {}

  // Opens a first connection and checks that the database answers: at
  // start, a wrong connection string or a refused role is reported here
  // in one line, before the server listens.
  absl::Status Check();

  // A connection lent to one caller, handed back on destruction.
  class Lease {
   public:
    Lease(Lease&& other) noexcept : pool_(other.pool_), connection_(std::move(other.connection_)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    PgConnection& operator*() const { return *connection_; }
    PgConnection* operator->() const { return connection_.get(); }

   private:
    friend class PgPool;
    Lease(PgPool* pool, std::unique_ptr<PgConnection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    PgPool* pool_;
    std::unique_ptr<PgConnection> connection_;
  };

  // A connection, waiting at most acquire_timeout and not past `deadline`.
  absl::StatusOr<Lease> Acquire(absl::Time deadline);

  // A connection on which `first` succeeded. Idle connections that the
  // database dropped (a restart, a failover) only show it when used: each
  // is discarded and the next tried, up to a fresh one.
  absl::StatusOr<Lease> AcquireLive(absl::Time deadline,
                                    absl::FunctionRef<absl::Status(PgConnection&)> first);

  // One statement outside any transaction (a read of one point in time),
  // on a connection of the pool; a stale idle connection is replaced.
  absl::StatusOr<PgResult> Query(std::string_view sql, absl::Span<const PgParam> params = {});

  // Connections open now, lent or idle.
  int open() const;
  const PgPoolOptions& options() const { return options_; }

 private:
  void GiveBack(std::unique_ptr<PgConnection> connection);

  const PgPoolOptions options_;
  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<PgConnection>> idle_ ABSL_GUARDED_BY(mu_);
  // Lent, idle, and being opened.
  int open_ ABSL_GUARDED_BY(mu_) = 0;
};

// Runs `body` in one transaction (SERIALIZABLE unless `isolation` says
// otherwise), with the statement timeout set from `deadline`, and commits.
// A serialization failure or deadlock (ABORTED), or the connection lost
// before the COMMIT was sent, runs the whole body again, up to `attempts`
// times with a short random pause; any other error rolls back and is
// returned. A connection lost during COMMIT is
// storage::OutcomeUnknownError: the caller retries with its idempotency key.
// `settled` learns how each attempt ended (OK: committed), before any retry:
// what the body took for its attempt alone is given back there.
absl::Status RunTransaction(
    PgPool& pool, absl::Time deadline, absl::FunctionRef<absl::Status(PgConnection&)> body,
    int attempts = 5, const char* isolation = "SERIALIZABLE",
    absl::FunctionRef<void(const absl::Status&)> settled = [](const absl::Status&) {});

}  // namespace trustsphere::storage::postgres
