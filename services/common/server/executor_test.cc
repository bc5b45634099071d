#include "services/common/server/executor.h"

#include <gtest/gtest.h>

#include <atomic>

#include "absl/synchronization/notification.h"

namespace trustsphere {
namespace {

TEST(ExecutorTest, RunsEverySubmittedTaskBeforeDestruction) {
  std::atomic<int> ran = 0;
  {
    Executor executor(2, 1000);
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(executor.TrySubmit([&] { ++ran; }));
  }
  EXPECT_EQ(ran, 100);
}

TEST(ExecutorTest, RefusesTasksBeyondTheQueueBound) {
  absl::Notification release;
  absl::Notification started;
  Executor executor(1, 2);
  ASSERT_TRUE(executor.TrySubmit([&] {
    started.Notify();
    release.WaitForNotification();
  }));
  started.WaitForNotification();  // the only thread is busy now
  EXPECT_TRUE(executor.TrySubmit([] {}));
  EXPECT_TRUE(executor.TrySubmit([] {}));
  EXPECT_FALSE(executor.TrySubmit([] {}));
  release.Notify();
}

}  // namespace
}  // namespace trustsphere
