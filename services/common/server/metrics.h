#pragma once

// Prometheus metrics of one server, in the text exposition format:
//   trustsphere_rpc_requests_total{method,code}     counter
//   trustsphere_rpc_duration_seconds{method}        histogram
//   trustsphere_rpc_in_flight                       gauge
//   trustsphere_rocksdb_*{family}                   gauges, read at scrape time
//   trustsphere_build_info{service,version,...}     gauge, always 1
// Thread-safe.

#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/server/serving_state.h"
#include "storage/storage_admin.h"

namespace trustsphere {

class Metrics {
 public:
  explicit Metrics(std::string service) : service_(std::move(service)) {}

  void CallStarted() { in_flight_.fetch_add(1, std::memory_order_relaxed); }
  void CallFinished(const std::string& method, const std::string& code, absl::Duration took);

  // The storage whose figures are exported, once open (null: none).
  void Attach(const storage::StorageAdmin* storage) {
    storage_.store(storage, std::memory_order_release);
  }

  // A figure read at each scrape, exported as `name` with the service's
  // label; `type` is "gauge" or "counter". Added before serving; `read`
  // must stay callable for the Metrics' life.
  void AddReading(std::string name, std::string type, std::string help,
                  std::function<double()> read);

  std::string Render() const;

  // Upper bounds of the latency buckets, in seconds.
  static constexpr std::array<double, 15> kBuckets = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};

 private:
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> buckets{};  // not cumulative
    uint64_t count = 0;
    double sum = 0;
  };

  const std::string service_;
  std::atomic<int64_t> in_flight_{0};
  std::atomic<const storage::StorageAdmin*> storage_{nullptr};
  mutable absl::Mutex mu_;
  std::map<std::pair<std::string, std::string>, uint64_t> requests_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Histogram> durations_ ABSL_GUARDED_BY(mu_);
  struct Reading {
    std::string name, type, help;
    std::function<double()> read;
  };
  std::vector<Reading> readings_ ABSL_GUARDED_BY(mu_);
};

// Serves over HTTP (cpp-httplib), on its own thread, GET /metrics and the
// probes: /readyz and /livez answer 200 "SERVING" or 503 "NOT_SERVING" from
// `serving`.
class MetricsEndpoint {
 public:
  MetricsEndpoint(const Metrics* metrics, const ServingState* serving);
  ~MetricsEndpoint();

  // Binds HOST:PORT (port 0 picks one) and starts serving; the bound port,
  // or an error.
  absl::StatusOr<int> Start(const std::string& listen);
  void Stop();

 private:
  struct Server;
  const Metrics* metrics_;
  const ServingState* serving_;
  std::unique_ptr<Server> server_;
};

}  // namespace trustsphere
