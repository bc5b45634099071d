#pragma once

// Independent blocking calls made at once, so that their waits overlap: a
// request that asks two or three services for unrelated things waits for
// the slowest instead of the sum.

#include <functional>
#include <vector>

namespace trustsphere {

// Runs every task and returns once all have returned, each on the calling
// thread or on a thread of a shared pool, whichever takes it first. Tasks
// must not throw; each reports through what it captures.
void RunConcurrently(std::vector<std::function<void()>> tasks);

}  // namespace trustsphere
