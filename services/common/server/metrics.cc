#include "services/common/server/metrics.h"

#include <httplib.h>

#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/server/build_info.h"

namespace trustsphere {
namespace {

// Label values are escaped as the exposition format requires.
std::string Label(absl::string_view value) {
  std::string escaped;
  for (char c : value) {
    if (c == '\\' || c == '"') escaped.push_back('\\');
    if (c == '\n') {
      escaped += "\\n";
      continue;
    }
    escaped.push_back(c);
  }
  return escaped;
}

void Header(std::string& out, absl::string_view name, absl::string_view type,
            absl::string_view help) {
  absl::StrAppend(&out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n");
}

}  // namespace

void Metrics::CallFinished(const std::string& method, const std::string& code,
                           absl::Duration took) {
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  const double seconds = absl::ToDoubleSeconds(took);
  absl::MutexLock lock(&mu_);
  ++requests_[{method, code}];
  Histogram& histogram = durations_[method];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++histogram.buckets[i];
      break;
    }
  }
  ++histogram.count;
  histogram.sum += seconds;
}

void Metrics::AddReading(std::string name, std::string type, std::string help,
                         std::function<double()> read) {
  absl::MutexLock lock(&mu_);
  readings_.push_back({std::move(name), std::move(type), std::move(help), std::move(read)});
}

std::string Metrics::Render() const {
  std::string out;
  const std::string service = Label(service_);
  {
    absl::MutexLock lock(&mu_);
    Header(out, "trustsphere_rpc_requests_total", "counter",
           "RPCs answered, by method and status code.");
    for (const auto& [key, count] : requests_) {
      absl::StrAppend(&out, "trustsphere_rpc_requests_total{service=\"", service, "\",method=\"",
                      Label(key.first), "\",code=\"", key.second, "\"} ", count, "\n");
    }
    Header(out, "trustsphere_rpc_duration_seconds", "histogram",
           "Time from receiving an RPC to answering it.");
    for (const auto& [method, histogram] : durations_) {
      const std::string labels =
          absl::StrCat("service=\"", service, "\",method=\"", Label(method), "\"");
      uint64_t cumulative = 0;
      for (size_t i = 0; i < kBuckets.size(); ++i) {
        cumulative += histogram.buckets[i];
        absl::StrAppend(&out, "trustsphere_rpc_duration_seconds_bucket{", labels, ",le=\"",
                        kBuckets[i], "\"} ", cumulative, "\n");
      }
      absl::StrAppend(&out, "trustsphere_rpc_duration_seconds_bucket{", labels, ",le=\"+Inf\"} ",
                      histogram.count, "\n");
      absl::StrAppend(&out, "trustsphere_rpc_duration_seconds_sum{", labels, "} ", histogram.sum,
                      "\n");
      absl::StrAppend(&out, "trustsphere_rpc_duration_seconds_count{", labels, "} ",
                      histogram.count, "\n");
    }
  }
  {
    absl::MutexLock lock(&mu_);
    for (const Reading& reading : readings_) {
      Header(out, reading.name, reading.type, reading.help);
      absl::StrAppend(&out, reading.name, "{service=\"", service, "\"} ", reading.read(), "\n");
    }
  }
  Header(out, "trustsphere_rpc_in_flight", "gauge", "RPCs being answered now.");
  absl::StrAppend(&out, "trustsphere_rpc_in_flight{service=\"", service, "\"} ",
                  in_flight_.load(std::memory_order_relaxed), "\n");

  if (const storage::StorageAdmin* storage = storage_.load(std::memory_order_acquire)) {
    const auto stats = storage->Stats();
    using Stats = storage::RecordKindStats;
    const std::pair<const char*, uint64_t Stats::*> figures[] = {
        {"trustsphere_rocksdb_estimated_keys", &Stats::estimated_keys},
        {"trustsphere_rocksdb_sst_bytes", &Stats::sst_bytes},
        {"trustsphere_rocksdb_memtable_bytes", &Stats::memtable_bytes},
        {"trustsphere_rocksdb_pending_compaction_bytes", &Stats::pending_compaction_bytes}};
    for (const auto& [name, field] : figures) {
      Header(out, name, "gauge", "RocksDB estimate per column family.");
      for (const auto& family : stats) {
        absl::StrAppend(&out, name, "{service=\"", service, "\",family=\"", Label(family.name),
                        "\"} ", family.*field, "\n");
      }
    }
  }

  const auto build = CurrentBuildInfo(service_);
  Header(out, "trustsphere_build_info", "gauge", "What this server was built from.");
  absl::StrAppend(&out, "trustsphere_build_info{service=\"", service, "\",version=\"",
                  Label(build.version()), "\",git_commit=\"", Label(build.git_commit()),
                  "\",rocksdb=\"", Label(build.rocksdb_version()), "\",grpc=\"",
                  Label(build.grpc_version()), "\"} 1\n");
  return out;
}

struct MetricsEndpoint::Server {
  httplib::Server http;
  std::thread thread;
};

MetricsEndpoint::MetricsEndpoint(const Metrics* metrics, const ServingState* serving)
    : metrics_(metrics), serving_(serving) {}

MetricsEndpoint::~MetricsEndpoint() { Stop(); }

absl::StatusOr<int> MetricsEndpoint::Start(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(listen.substr(colon + 1), &port)) {
    return absl::InvalidArgumentError(absl::StrCat("--metrics_listen: not HOST:PORT: ", listen));
  }
  const std::string host = listen.substr(0, colon);
  server_ = std::make_unique<Server>();
  server_->http.Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
    response.set_content(metrics_->Render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  const auto probe = [](const std::atomic<bool>& serving, httplib::Response& response) {
    const bool yes = serving.load(std::memory_order_acquire);
    response.status = yes ? 200 : 503;
    response.set_content(yes ? "SERVING\n" : "NOT_SERVING\n", "text/plain; charset=utf-8");
  };
  server_->http.Get("/readyz", [this, probe](const httplib::Request&, httplib::Response& response) {
    probe(serving_->ready, response);
  });
  server_->http.Get("/livez", [this, probe](const httplib::Request&, httplib::Response& response) {
    probe(serving_->live, response);
  });
  const int bound = port == 0 ? server_->http.bind_to_any_port(host)
                              : (server_->http.bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    server_.reset();
    return absl::UnavailableError(absl::StrCat("cannot listen for metrics on ", listen));
  }
  server_->thread = std::thread([this] { server_->http.listen_after_bind(); });
  return bound;
}

void MetricsEndpoint::Stop() {
  if (server_ == nullptr) return;
  server_->http.stop();
  if (server_->thread.joinable()) server_->thread.join();
  server_.reset();
}

}  // namespace trustsphere
