#pragma once

// A fixed pool of threads for blocking work (synced writes, scans), so gRPC's
// callback threads never block on storage.

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace trustsphere {

class Executor {
 public:
  // max_queued bounds the tasks waiting for a thread: past it the server
  // sheds load instead of growing memory and latency without limit.
  Executor(int threads, size_t max_queued);
  // Runs every task already submitted, then joins the threads.
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // false (and the task dropped) when max_queued tasks are already waiting.
  bool TrySubmit(std::function<void()> task);

 private:
  void Work();

  absl::Mutex mu_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  const size_t max_queued_;
  std::vector<std::thread> threads_;
};

}  // namespace trustsphere
