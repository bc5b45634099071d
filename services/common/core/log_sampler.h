#pragma once

// Lets one log line through per period and counts the ones it holds back,
// so that a flood of alike events (calls refused over a rate limit) costs
// the log a line per period rather than a line per call; the metrics still
// count every call. Thread-safe without a lock.

#include <atomic>
#include <cstdint>

#include "absl/time/time.h"

namespace trustsphere {

class LogSampler {
 public:
  explicit LogSampler(absl::Duration period) : period_micros_(absl::ToInt64Microseconds(period)) {}

  // Whether the event at `now` gets its line; when it does, *held_back is
  // how many events went unlogged since the last line.
  bool Admit(absl::Time now, uint64_t* held_back) {
    const int64_t micros = absl::ToUnixMicros(now);
    int64_t next = next_micros_.load(std::memory_order_relaxed);
    if (micros < next || !next_micros_.compare_exchange_strong(next, micros + period_micros_,
                                                               std::memory_order_relaxed)) {
      held_back_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    *held_back = held_back_.exchange(0, std::memory_order_relaxed);
    return true;
  }

 private:
  const int64_t period_micros_;
  std::atomic<int64_t> next_micros_{0};
  std::atomic<uint64_t> held_back_{0};
};

}  // namespace trustsphere
