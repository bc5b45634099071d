#pragma once

// Drives calls with gRPC's callback client API and measures their latency.
// Two modes: a fixed number of calls in flight (closed loop: each finished
// call starts the next), or a fixed offered rate (open loop: calls start on
// schedule whatever the server does, and latency counts from the scheduled
// start, so a stalled server is not hidden by a client that waited for it).

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/support/status.h"

namespace trustsphere::bench {

// Starts call number `sequence` and calls `done` exactly once when it ends.
using StartCall = std::function<void(int64_t sequence, std::function<void(grpc::Status)> done)>;

struct CallKind {
  std::string name;
  double weight = 1;
  StartCall start;
};

struct LoadOptions {
  // Calls in flight (closed loop); ignored when rate > 0.
  int concurrency = 1;
  // Calls started per second (open loop); 0 for closed loop.
  double rate = 0;
  absl::Duration warmup = absl::Seconds(2);
  absl::Duration duration = absl::Seconds(10);
  uint64_t seed = 1;
};

struct LatencySummary {
  int64_t calls = 0;
  int64_t errors = 0;
  // Calls per second over the measured period.
  double throughput = 0;
  // Microseconds.
  double p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0, mean = 0;
  // Non-OK status codes seen, by name.
  std::map<std::string, int64_t> error_codes;
  // First error message seen, to tell what went wrong.
  std::string first_error;
};

struct LoadResult {
  std::map<std::string, LatencySummary> by_kind;
  double measured_seconds = 0;
  // Open loop only: calls not started because too many were in flight.
  int64_t shed = 0;
};

// Runs the mix for warmup + duration; only calls started after the warm-up
// are measured. Blocks until every started call has ended.
LoadResult RunLoad(const LoadOptions& options, const std::vector<CallKind>& kinds);

}  // namespace trustsphere::bench
