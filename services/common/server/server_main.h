#pragma once

// What every server binary shares: flags with environment overrides,
// termination signals, the gRPC server with health and reflection, and the
// shutdown sequence.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "grpcpp/impl/codegen/service_type.h"
#include "services/common/server/metrics.h"
#include "storage/postgres/pg_pool.h"

ABSL_DECLARE_FLAG(absl::Duration, revocation_poll_period);
ABSL_DECLARE_FLAG(std::string, data_dir);
ABSL_DECLARE_FLAG(std::string, backup_dir);
ABSL_DECLARE_FLAG(std::string, durability);
ABSL_DECLARE_FLAG(absl::Duration, drain_timeout);
ABSL_DECLARE_FLAG(int32_t, max_message_bytes);
ABSL_DECLARE_FLAG(int32_t, worker_threads);
ABSL_DECLARE_FLAG(int32_t, max_queued_calls);
ABSL_DECLARE_FLAG(std::string, access_log);

namespace trustsphere {

// Parses flags; every flag --name can also be set by the environment variable
// TRUSTSPHERE_NAME (upper case), and the command line wins over it. Blocks
// SIGTERM and SIGINT in every thread created afterwards, so that RunServer
// receives them synchronously; files are created private to the server's
// account from then on. Call first in main.
void InitServerProcess(int argc, char** argv, const char* usage);

// true for --durability=sync (the default), false for async; exits with a
// message on any other value.
bool SyncWritesFromFlags();

// --erasure_poll_period: how often identity's change log is read for
// people to erase; exits with a message unless positive.
absl::Duration ErasurePollPeriodFromFlags();

// --erasure_reclaim_period: how long erased records' bytes may stay on
// disk after an erasure before the storage rewrites its files; exits with a
// message when negative.
absl::Duration ErasureReclaimPeriodFromFlags();

// --storage=postgres: the pool options for --database_url and
// --database_connections; nullopt for --storage=rocksdb (the default).
// Exits with a message on any other value, or when postgres has no URL.
std::optional<storage::postgres::PgPoolOptions> PostgresFromFlags();

// true for --access_log=all, false for failures (the default); exits with a
// message on any other value.
bool LogEveryCallFromFlags();

// --data_dir, with group and other permissions taken off what it holds;
// exits with a message when it is not set.
std::string RequiredDataDir();

// `path` when set, else <data_dir>/<file>: where a service keeps its key or
// token files by default.
std::string PathOrDefault(const std::string& path, const std::string& data_dir,
                          const std::string& file);

struct ServerSpec {
  // Logged, and the name of the health status set besides the overall one.
  std::string name;
  std::string listen;
  std::vector<grpc::Service*> services;
  // Exported on --metrics_listen when that is set (may be null).
  const Metrics* metrics = nullptr;
  // Opens storage and makes the services ready; the port is already bound
  // and health says NOT_SERVING meanwhile. An error stops the process.
  std::function<absl::Status()> start;
  // Optional: runs once the server stops serving new calls, before it waits
  // for the calls in flight (ends long-lived streams).
  std::function<void()> drain;
  // Runs after the server drained: makes the services unready and closes
  // storage.
  std::function<void()> stop;
  // Optional: whether the storage can take writes now. Asked every
  // --health_probe_period while serving; an error turns health NOT_SERVING
  // (so that Kubernetes takes the replica out of its Service) until it
  // answers OK again. Each change is logged.
  std::function<absl::Status()> writable;
  // Whether restarting the process may heal storage that stays unwritable
  // (an embedded database reopened): if so, the health service "liveness"
  // turns NOT_SERVING after --restart_unwritable_after of errors, for
  // Kubernetes' liveness probe (WritabilityWatch).
  bool restart_heals_unwritable = false;
};

// The health service that Kubernetes' liveness probe asks for; "" and the
// service's own name are for readiness.
inline constexpr char kLivenessService[] = "liveness";

// Binds, prints "listening on HOST:PORT" on standard output (and, with
// --metrics_listen, "metrics on HOST:PORT"), starts, serves
// SERVING (while spec.writable says so) until SIGTERM or SIGINT, then goes NOT_SERVING, stops
// accepting, lets in-flight calls finish within --drain_timeout (then cancels them) and calls
// spec.stop. Returns the process exit code.
int RunServer(ServerSpec spec);

}  // namespace trustsphere
