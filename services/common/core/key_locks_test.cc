#include "services/common/core/key_locks.h"

#include <gtest/gtest.h>

#include <thread>

namespace trustsphere {
namespace {

TEST(KeyLocksTest, SerialisesReadModifyWriteOnOneKey) {
  KeyLocks locks;
  int counter = 0;  // deliberately unsynchronised but for the key lock
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 1000; ++i) {
        // Overlapping key sets in different orders must not deadlock.
        auto guard = locks.Lock(t % 2 ? std::vector<std::string>{"a", "b"}
                                      : std::vector<std::string>{"b", "a"});
        int read = counter;
        counter = read + 1;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(counter, 4000);
}

}  // namespace
}  // namespace trustsphere
