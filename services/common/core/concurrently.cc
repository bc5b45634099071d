#include "services/common/core/concurrently.h"

#include <thread>

namespace trustsphere {

void RunConcurrently(std::vector<std::function<void()>> tasks) {
  if (tasks.empty()) return;
  // A thread costs tens of microseconds to start: small next to the
  // downstream calls this overlaps, and no pool to size or drain.
  std::vector<std::thread> others;
  others.reserve(tasks.size() - 1);
  for (size_t i = 1; i < tasks.size(); ++i) others.emplace_back(std::move(tasks[i]));
  tasks[0]();
  for (auto& thread : others) thread.join();
}

}  // namespace trustsphere
