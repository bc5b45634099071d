#include "services/common/core/concurrently.h"

#include <atomic>
#include <deque>
#include <memory>
#include <thread>

#include "absl/synchronization/mutex.h"

namespace trustsphere {
namespace {

// Threads that stay for the life of the process, instead of a thread
// started and joined per task (four per dossier read).
constexpr int kPoolThreads = 16;

class TaskPool {
 public:
  static TaskPool& Shared() {
    static TaskPool* pool = new TaskPool(kPoolThreads);  // never destroyed
    return *pool;
  }

  void Post(std::function<void()> job) {
    absl::MutexLock lock(&mu_);
    jobs_.push_back(std::move(job));
  }

 private:
  explicit TaskPool(int threads) {
    for (int i = 0; i < threads; ++i) std::thread([this] { Work(); }).detach();
  }

  void Work() {
    while (true) {
      std::function<void()> job;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(
            +[](std::deque<std::function<void()>>* jobs) { return !jobs->empty(); }, &jobs_));
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }

  absl::Mutex mu_;
  std::deque<std::function<void()>> jobs_ ABSL_GUARDED_BY(mu_);
};

// One call's tasks. Each is claimed once, by a pool thread or by the
// caller, so a busy pool never leaves a task waiting: the caller runs
// whatever nobody has taken (nested calls cannot deadlock either).
struct TaskGroup {
  explicit TaskGroup(std::vector<std::function<void()>> tasks) : tasks(std::move(tasks)) {}

  // Runs unclaimed tasks until none is left.
  void RunUnclaimed() {
    for (size_t i = next.fetch_add(1); i < tasks.size(); i = next.fetch_add(1)) {
      tasks[i]();
      absl::MutexLock lock(&mu);
      ++done;
    }
  }

  std::vector<std::function<void()>> tasks;
  std::atomic<size_t> next = 0;
  absl::Mutex mu;
  size_t done ABSL_GUARDED_BY(mu) = 0;
};

}  // namespace

void RunConcurrently(std::vector<std::function<void()>> tasks) {
  if (tasks.empty()) return;
  auto group = std::make_shared<TaskGroup>(std::move(tasks));
  const size_t count = group->tasks.size();
  // A pool thread that comes to the group after the caller has returned
  // finds nothing to claim, and the group outlives it through its pointer.
  for (size_t i = 1; i < count; ++i) TaskPool::Shared().Post([group] { group->RunUnclaimed(); });
  group->RunUnclaimed();
  absl::MutexLock lock(&group->mu);
  group->mu.Await(absl::Condition(
      +[](TaskGroup* g) ABSL_NO_THREAD_SAFETY_ANALYSIS { return g->done == g->tasks.size(); },
      group.get()));
}

}  // namespace trustsphere
