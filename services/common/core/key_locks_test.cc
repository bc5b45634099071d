#include "services/common/core/key_locks.h"

#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"

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

TEST(KeyLocksTest, HoldersOfDifferentKeysNeverWaitForEachOther) {
  KeyLocks locks;
  // Writers each holding their keys across a synced write: any other key
  // is still free (keys sharing a fixed set of mutexes would collide here).
  constexpr int kHolders = 64;
  absl::Notification release;
  std::atomic<int> holding{0};
  std::vector<std::thread> holders;
  for (int i = 0; i < kHolders; ++i) {
    holders.emplace_back([&, i] {
      auto guard = locks.Lock({absl::StrCat("person:", i)});
      ++holding;
      release.WaitForNotification();
    });
  }
  for (absl::Time stop = absl::Now() + absl::Seconds(30);
       holding < kHolders && absl::Now() < stop;) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  EXPECT_EQ(holding, kHolders);
  absl::Notification taken;
  std::thread other([&] {
    for (int i = 0; i < 2000; ++i) {
      auto guard = locks.Lock({absl::StrCat("other:", i), absl::StrCat("pair:", i)});
    }
    taken.Notify();
  });
  EXPECT_TRUE(taken.WaitForNotificationWithTimeout(absl::Seconds(30)));
  release.Notify();  // so that a failing run still ends
  other.join();
  for (auto& holder : holders) holder.join();
}

TEST(KeyLocksTest, AWaiterGetsTheKeyWhenItIsReleased) {
  KeyLocks locks;
  auto first = std::make_optional(locks.Lock({"a", "b"}));
  std::atomic<bool> got{false};
  std::thread waiter([&] {
    auto guard = locks.Lock({"b"});
    got = true;
  });
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_FALSE(got);  // "b" is still held
  first.reset();
  waiter.join();
  EXPECT_TRUE(got);
  // Released keys can be taken again, together or alone.
  auto again = locks.Lock({"b", "a", "a"});
}

}  // namespace
}  // namespace trustsphere
