#include "bench/load_generator.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <random>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace trustsphere::bench {
namespace {

// Latencies of one kind, in microseconds, and its errors.
struct Samples {
  absl::Mutex mu;
  std::vector<double> micros ABSL_GUARDED_BY(mu);
  int64_t errors ABSL_GUARDED_BY(mu) = 0;
  std::map<std::string, int64_t> error_codes ABSL_GUARDED_BY(mu);
  std::string first_error ABSL_GUARDED_BY(mu);
};

const char* CodeName(grpc::StatusCode code) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  const int index = static_cast<int>(code);
  return index >= 0 && index < 17 ? kNames[index] : "?";
}

double Percentile(const std::vector<double>& sorted, double fraction) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(fraction * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(rank, sorted.size() - 1)];
}

// Everything the calls in flight share; kept alive by them until the last
// one ends.
class Run : public std::enable_shared_from_this<Run> {
 public:
  Run(const LoadOptions& options, const std::vector<CallKind>& kinds)
      : options_(options), kinds_(kinds), samples_(kinds.size()) {
    double total = 0;
    for (const auto& kind : kinds) cumulative_.push_back(total += kind.weight);
  }

  LoadResult Execute() {
    start_ = absl::Now();
    measure_from_ = start_ + options_.warmup;
    stop_at_ = measure_from_ + options_.duration;
    if (options_.rate > 0) {
      OpenLoop();
    } else {
      for (int slot = 0; slot < options_.concurrency; ++slot) StartNext(slot);
    }
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](int64_t* in_flight) { return *in_flight == 0; }, &in_flight_));
    }
    return Summarise();
  }

 private:
  // Closed loop: a slot starts its next call when the last one ends.
  void StartNext(int64_t sequence) {
    const absl::Time now = absl::Now();
    if (now >= stop_at_) return;
    Start(sequence, now, [self = shared_from_this(), sequence](bool) {
      self->StartNext(sequence + self->options_.concurrency);
    });
  }

  // Open loop: calls start on a fixed schedule from this thread.
  void OpenLoop() {
    const absl::Duration interval = absl::Seconds(1.0 / options_.rate);
    // Beyond this many calls in flight the server is overwhelmed; the calls
    // not started are counted, not queued without bound.
    const int64_t max_in_flight = std::max<int64_t>(1000, static_cast<int64_t>(options_.rate));
    absl::Time scheduled = start_;
    for (int64_t sequence = 0; scheduled < stop_at_; ++sequence, scheduled += interval) {
      absl::SleepFor(scheduled - absl::Now());
      bool full;
      {
        absl::MutexLock lock(&mu_);
        full = in_flight_ >= max_in_flight;
      }
      if (full) {
        if (scheduled >= measure_from_) shed_.fetch_add(1);
        continue;
      }
      Start(sequence, scheduled, [](bool) {});
    }
  }

  // Starts one call of a kind chosen by weight; `then` runs after it ends.
  void Start(int64_t sequence, absl::Time scheduled, std::function<void(bool)> then) {
    std::mt19937_64 pick(options_.seed * 1000003 + static_cast<uint64_t>(sequence));
    const double x = std::uniform_real_distribution<double>(0, cumulative_.back())(pick);
    const size_t kind = std::min<size_t>(
        std::lower_bound(cumulative_.begin(), cumulative_.end(), x) - cumulative_.begin(),
        kinds_.size() - 1);
    {
      absl::MutexLock lock(&mu_);
      ++in_flight_;
    }
    const bool measured = scheduled >= measure_from_;
    kinds_[kind].start(sequence, [self = shared_from_this(), kind, scheduled, measured,
                                  then = std::move(then)](grpc::Status status) {
      const absl::Duration took = absl::Now() - scheduled;
      if (measured) self->Record(kind, took, status);
      then(status.ok());
      absl::MutexLock lock(&self->mu_);
      --self->in_flight_;
    });
  }

  void Record(size_t kind, absl::Duration took, const grpc::Status& status) {
    Samples& samples = samples_[kind];
    absl::MutexLock lock(&samples.mu);
    samples.micros.push_back(absl::ToDoubleMicroseconds(took));
    if (!status.ok()) {
      ++samples.errors;
      ++samples.error_codes[CodeName(status.error_code())];
      if (samples.first_error.empty()) samples.first_error = status.error_message();
    }
  }

  LoadResult Summarise() {
    LoadResult result;
    result.measured_seconds = absl::ToDoubleSeconds(options_.duration);
    result.shed = shed_.load();
    for (size_t k = 0; k < kinds_.size(); ++k) {
      Samples& samples = samples_[k];
      absl::MutexLock lock(&samples.mu);
      std::sort(samples.micros.begin(), samples.micros.end());
      LatencySummary summary;
      summary.calls = static_cast<int64_t>(samples.micros.size());
      summary.errors = samples.errors;
      summary.error_codes = samples.error_codes;
      summary.first_error = samples.first_error;
      summary.throughput = static_cast<double>(summary.calls) / result.measured_seconds;
      summary.p50 = Percentile(samples.micros, 0.50);
      summary.p90 = Percentile(samples.micros, 0.90);
      summary.p99 = Percentile(samples.micros, 0.99);
      summary.p999 = Percentile(samples.micros, 0.999);
      summary.max = samples.micros.empty() ? 0 : samples.micros.back();
      double total = 0;
      for (double micros : samples.micros) total += micros;
      summary.mean = samples.micros.empty() ? 0 : total / static_cast<double>(summary.calls);
      result.by_kind[kinds_[k].name] = summary;
    }
    return result;
  }

  const LoadOptions options_;
  const std::vector<CallKind> kinds_;
  std::vector<double> cumulative_;
  std::vector<Samples> samples_;
  absl::Time start_, measure_from_, stop_at_;
  std::atomic<int64_t> shed_{0};
  absl::Mutex mu_;
  int64_t in_flight_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace

LoadResult RunLoad(const LoadOptions& options, const std::vector<CallKind>& kinds) {
  return std::make_shared<Run>(options, kinds)->Execute();
}

}  // namespace trustsphere::bench
