#include "services/common/server/server_main.h"

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "services/common/core/log.h"
#include "services/common/server/private_files.h"
#include "services/common/server/serving_state.h"
#include "services/common/server/transport_security.h"
#include "services/common/server/writability_watch.h"

ABSL_FLAG(std::string, data_dir, "", "Folder of the service's RocksDB database.");
ABSL_FLAG(std::string, durability, "sync",
          "sync: a write is acknowledged once its log record is on disk (survives power "
          "loss); async: once the OS has it (survives a crash of the process only).");
ABSL_FLAG(std::string, storage, "rocksdb",
          "rocksdb: an embedded database under --data_dir; postgres: a PostgreSQL-protocol "
          "database at --database_url, shared by the service's replicas.");
ABSL_FLAG(std::string, database_url, "",
          "libpq connection string of --storage=postgres (in Kubernetes, from a Secret as "
          "TRUSTSPHERE_DATABASE_URL).");
ABSL_FLAG(int32_t, database_connections, 16,
          "Most connections to the database; a call finding all busy for 500 ms gets "
          "RESOURCE_EXHAUSTED.");
ABSL_FLAG(absl::Duration, restart_unwritable_after, absl::Minutes(2),
          "How long embedded storage may stay unwritable before the health service "
          "\"liveness\" asks for a restart (NOT_SERVING); 0: never.");
ABSL_FLAG(absl::Duration, health_probe_period, absl::Seconds(1),
          "How often a server whose storage can be lost (--storage=postgres) checks that it "
          "can write, and says NOT_SERVING while it cannot.");
ABSL_FLAG(absl::Duration, drain_timeout, absl::Seconds(10),
          "On SIGTERM, how long in-flight calls may take before they are cancelled.");
ABSL_FLAG(absl::Duration, erasure_poll_period, absl::Milliseconds(250),
          "Relationships and recommendations: how often identity's change log is read for people "
          "to erase; what a deleted person left leaves within about this long.");
ABSL_FLAG(absl::Duration, erasure_reclaim_period, absl::Hours(1),
          "After a person's erasure, how long the disk may keep the erased bytes: RocksDB "
          "flushes and compacts every family at most this often (at once the first time after a "
          "start). PostgreSQL reclaims with its own VACUUM.");
ABSL_FLAG(int32_t, max_message_bytes, 4 << 20, "Largest request or response message.");
ABSL_FLAG(int32_t, worker_threads, 64,
          "Threads that run request bodies (storage calls block on disk syncs).");
ABSL_FLAG(std::string, backup_dir, "",
          "Folder of online backups (AdminService/CreateBackup). Default: <data_dir>/backups.");
ABSL_FLAG(std::string, metrics_listen, "",
          "HOST:PORT of the Prometheus /metrics endpoint (port 0 picks one); empty: none.");
ABSL_FLAG(std::string, access_log, "failures",
          "failures: one log line per failed call; all: one per call (metrics count every "
          "call either way; a line per call costs about a tenth of a cheap RPC).");
ABSL_FLAG(absl::Duration, revocation_poll_period, absl::Milliseconds(250),
          "How often a server reads identity's change log for deleted people, whose access "
          "tokens it then refuses: about how long a deleted person's token still works.");
ABSL_FLAG(int32_t, max_queued_calls, 4096,
          "Calls waiting for a worker thread beyond which new calls get RESOURCE_EXHAUSTED.");

namespace trustsphere {
namespace {

sigset_t TerminationSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  return signals;
}

void ApplyEnvironment() {
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    std::string variable = absl::AsciiStrToUpper(absl::StrCat("TRUSTSPHERE_", name));
    const char* value = std::getenv(variable.c_str());
    if (value == nullptr) continue;
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      std::fprintf(stderr, "%s: %s\n", variable.c_str(), error.c_str());
      std::exit(2);
    }
  }
}

// Readiness and liveness, told alike to the gRPC health service (the
// server's name and "" for readiness, kLivenessService for liveness) and
// to the metrics port's /readyz and /livez.
class Probes {
 public:
  Probes(grpc::HealthCheckServiceInterface* health, std::string name)
      : health_(health), name_(std::move(name)) {}

  // The HTTP side first: whoever saw the gRPC side change sees both.
  void SetReady(bool ready) {
    state_.ready.store(ready, std::memory_order_release);
    // By name: the overload without one would set liveness too.
    health_->SetServingStatus("", ready);
    health_->SetServingStatus(name_, ready);
  }
  void SetLive(bool live) {
    state_.live.store(live, std::memory_order_release);
    health_->SetServingStatus(kLivenessService, live);
  }
  const ServingState* state() const { return &state_; }

 private:
  grpc::HealthCheckServiceInterface* const health_;
  const std::string name_;
  ServingState state_;
};

}  // namespace

void InitServerProcess(int argc, char** argv, const char* usage) {
  sigset_t signals = TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  absl::SetProgramUsageMessage(usage);
  // Debian's Abseil checks every mutex acquisition for lock-order cycles,
  // a debugging aid that costs several percent of a cheap RPC's CPU.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  CreateFilesPrivately();
  ApplyEnvironment();
  absl::ParseCommandLine(argc, argv);
}

bool SyncWritesFromFlags() {
  std::string durability = absl::GetFlag(FLAGS_durability);
  if (durability != "sync" && durability != "async") {
    std::fprintf(stderr, "--durability must be sync or async, not %s\n", durability.c_str());
    std::exit(2);
  }
  return durability == "sync";
}

absl::Duration ErasurePollPeriodFromFlags() {
  const absl::Duration period = absl::GetFlag(FLAGS_erasure_poll_period);
  if (period <= absl::ZeroDuration()) {
    std::fprintf(stderr, "--erasure_poll_period must be positive\n");
    std::exit(2);
  }
  return period;
}

absl::Duration ErasureReclaimPeriodFromFlags() {
  const absl::Duration period = absl::GetFlag(FLAGS_erasure_reclaim_period);
  if (period < absl::ZeroDuration()) {
    std::fprintf(stderr, "--erasure_reclaim_period must not be negative\n");
    std::exit(2);
  }
  return period;
}

std::optional<storage::postgres::PgPoolOptions> PostgresFromFlags() {
  const std::string storage = absl::GetFlag(FLAGS_storage);
  if (storage == "rocksdb") return std::nullopt;
  if (storage != "postgres") {
    std::fprintf(stderr, "--storage must be rocksdb or postgres, not %s\n", storage.c_str());
    std::exit(2);
  }
  storage::postgres::PgPoolOptions options;
  options.conninfo = absl::GetFlag(FLAGS_database_url);
  options.max_connections = absl::GetFlag(FLAGS_database_connections);
  if (options.conninfo.empty() || options.max_connections < 1) {
    std::fprintf(stderr,
                 "--storage=postgres needs --database_url (or TRUSTSPHERE_DATABASE_URL) and "
                 "--database_connections of at least 1\n");
    std::exit(2);
  }
  return options;
}

bool LogEveryCallFromFlags() {
  std::string access_log = absl::GetFlag(FLAGS_access_log);
  if (access_log != "all" && access_log != "failures") {
    std::fprintf(stderr, "--access_log must be all or failures, not %s\n", access_log.c_str());
    std::exit(2);
  }
  return access_log == "all";
}

std::string RequiredDataDir() {
  std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  if (data_dir.empty()) {
    std::fprintf(stderr, "--data_dir (or TRUSTSPHERE_DATA_DIR) is required\n");
    std::exit(2);
  }
  RestrictToOwner(data_dir);
  return data_dir;
}

std::string PathOrDefault(const std::string& path, const std::string& data_dir,
                          const std::string& file) {
  return path.empty() ? data_dir + "/" + file : path;
}

int RunServer(ServerSpec spec) {
  // Links the health contract's descriptors in, for reflection.
  (void)grpc::health::v1::HealthCheckRequest::descriptor();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  const ListeningSecurity security = ListeningSecurityFromFlags(spec.listen);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(spec.listen, security.credentials, &port);
  builder.SetMaxReceiveMessageSize(absl::GetFlag(FLAGS_max_message_bytes));
  builder.SetMaxSendMessageSize(absl::GetFlag(FLAGS_max_message_bytes));
  for (auto* service : spec.services) builder.RegisterService(service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    Log(LogLevel::kError, "cannot listen", {F("listen", spec.listen)});
    return 1;
  }
  Probes probes(server->GetHealthCheckService(), spec.name);
  probes.SetReady(false);
  probes.SetLive(false);

  std::string host = spec.listen.substr(0, spec.listen.rfind(':'));
  std::printf("listening on %s:%d\n", host.c_str(), port);
  std::fflush(stdout);
  Log(LogLevel::kInfo, "listening",
      {F("service", spec.name), F("port", port), F("transport", security.mode)});

  MetricsEndpoint metrics(spec.metrics, probes.state());
  if (const std::string listen = absl::GetFlag(FLAGS_metrics_listen);
      !listen.empty() && spec.metrics != nullptr) {
    auto metrics_port = metrics.Start(listen);
    if (!metrics_port.ok()) {
      Log(LogLevel::kError, "cannot serve metrics", {F("error", metrics_port.status().ToString())});
      server->Shutdown();
      return 1;
    }
    std::printf("metrics on %s:%d\n", listen.substr(0, listen.rfind(':')).c_str(), *metrics_port);
    std::fflush(stdout);
  }

  if (absl::Status started = spec.start(); !started.ok()) {
    Log(LogLevel::kError, "cannot start",
        {F("service", spec.name), F("error", started.ToString())});
    server->Shutdown();
    return 1;
  }
  probes.SetReady(true);
  Log(LogLevel::kInfo, "serving", {F("service", spec.name)});
  // Liveness: SERVING unless storage asks for a restart.
  probes.SetLive(true);
  absl::Notification stop_probing;
  std::thread prober;
  if (spec.writable) {
    prober = std::thread([&] {
      WritabilityWatch watch(absl::GetFlag(FLAGS_restart_unwritable_after),
                             spec.restart_heals_unwritable);
      while (
          !stop_probing.WaitForNotificationWithTimeout(absl::GetFlag(FLAGS_health_probe_period))) {
        const absl::Status writable = spec.writable();
        const WritabilityWatch::Change change = watch.Record(writable, absl::Now());
        if (change.ready) {
          probes.SetReady(watch.ready());
          if (watch.ready()) {
            Log(LogLevel::kInfo, "storage writable again: serving", {F("service", spec.name)});
          } else {
            Log(LogLevel::kError, "storage cannot write: not serving",
                {F("service", spec.name), F("error", writable.ToString())});
          }
        }
        if (change.live) {
          probes.SetLive(watch.live());
          if (!watch.live()) {
            Log(LogLevel::kError, "storage unwritable too long: asking for a restart",
                {F("service", spec.name),
                 F("seconds", absl::ToDoubleSeconds(absl::Now() - watch.unwritable_since()))});
          }
        }
      }
    });
  }

  sigset_t signals = TerminationSignals();
  int received = 0;
  sigwait(&signals, &received);
  stop_probing.Notify();
  if (prober.joinable()) prober.join();

  Log(LogLevel::kInfo, "draining", {F("service", spec.name), F("signal", received)});
  probes.SetReady(false);
  probes.SetLive(false);
  auto deadline = std::chrono::system_clock::now() +
                  absl::ToChronoMilliseconds(absl::GetFlag(FLAGS_drain_timeout));
  if (spec.drain) spec.drain();
  server->Shutdown(deadline);
  server->Wait();
  metrics.Stop();
  spec.stop();
  Log(LogLevel::kInfo, "stopped", {F("service", spec.name)});
  return 0;
}

}  // namespace trustsphere
