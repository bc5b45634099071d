#include "services/common/core/concurrently.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace trustsphere {
namespace {

TEST(RunConcurrentlyTest, TasksOverlap) {
  // Each task waits for the other: run one after the other, both time out.
  absl::Notification first_started, second_started;
  bool first_saw_second = false, second_saw_first = false;
  RunConcurrently({[&] {
                     first_started.Notify();
                     first_saw_second =
                         second_started.WaitForNotificationWithTimeout(absl::Seconds(10));
                   },
                   [&] {
                     second_started.Notify();
                     second_saw_first =
                         first_started.WaitForNotificationWithTimeout(absl::Seconds(10));
                   }});
  EXPECT_TRUE(first_saw_second);
  EXPECT_TRUE(second_saw_first);
}

TEST(RunConcurrentlyTest, ReturnsOnceEveryTaskHas) {
  std::atomic<int> done = 0;
  std::vector<std::function<void()>> tasks;
  for (int i = 0; i < 5; ++i) tasks.push_back([&] { ++done; });
  RunConcurrently(std::move(tasks));
  EXPECT_EQ(done.load(), 5);
  RunConcurrently({});  // nothing to run: returns at once
}

TEST(RunConcurrentlyTest, ABusyPoolLeavesTheTasksToTheCaller) {
  // More tasks blocked at once than the pool has threads.
  absl::Notification release;
  std::thread blocker([&] {
    std::vector<std::function<void()>> blocked;
    for (int i = 0; i < 64; ++i) blocked.push_back([&] { release.WaitForNotification(); });
    RunConcurrently(std::move(blocked));
  });
  absl::Notification finished;
  std::atomic<int> done = 0;
  std::thread caller([&] {
    RunConcurrently({[&] { ++done; }, [&] { ++done; }, [&] { ++done; }});
    finished.Notify();
  });
  EXPECT_TRUE(finished.WaitForNotificationWithTimeout(absl::Seconds(30)));
  EXPECT_EQ(done.load(), 3);
  release.Notify();
  caller.join();
  blocker.join();
}

}  // namespace
}  // namespace trustsphere
