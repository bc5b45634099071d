#pragma once

// Independent blocking calls made at once, so that their waits overlap: a
// request that asks two or three services for unrelated things waits for
// the slowest instead of the sum.

#include <functional>
#include <vector>

namespace trustsphere {

// Runs every task, the first on the calling thread and each other on a
// thread of its own, and returns once all have returned. Tasks must not
// throw; each reports through what it captures.
void RunConcurrently(std::vector<std::function<void()>> tasks);

}  // namespace trustsphere
