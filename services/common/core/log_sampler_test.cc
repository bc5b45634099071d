#include "services/common/core/log_sampler.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace trustsphere {
namespace {

TEST(LogSamplerTest, OneLineAPeriodWithTheCountOfThoseHeldBack) {
  LogSampler sampler(absl::Seconds(1));
  const absl::Time start = absl::FromUnixSeconds(1'800'000'000);
  uint64_t held_back = 99;
  ASSERT_TRUE(sampler.Admit(start, &held_back));
  EXPECT_EQ(held_back, 0u);
  EXPECT_FALSE(sampler.Admit(start + absl::Milliseconds(10), &held_back));
  EXPECT_FALSE(sampler.Admit(start + absl::Milliseconds(999), &held_back));
  ASSERT_TRUE(sampler.Admit(start + absl::Seconds(1), &held_back));
  EXPECT_EQ(held_back, 2u);
  // A quiet spell, then one event: logged, nothing held back.
  ASSERT_TRUE(sampler.Admit(start + absl::Seconds(60), &held_back));
  EXPECT_EQ(held_back, 0u);
}

// Threads racing within one period: exactly one line, and every other
// event counted once.
TEST(LogSamplerTest, RacingEventsGiveOneLineAndAreAllCounted) {
  LogSampler sampler(absl::Hours(1));
  const absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  std::atomic<int> admitted{0};
  // The admitted line may already count some held back after it.
  std::atomic<uint64_t> counted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        uint64_t held_back = 0;
        if (sampler.Admit(now, &held_back)) {
          admitted.fetch_add(1);
          counted.fetch_add(held_back);
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(admitted.load(), 1);
  uint64_t held_back = 0;
  ASSERT_TRUE(sampler.Admit(now + absl::Hours(1), &held_back));
  EXPECT_EQ(counted.load() + held_back, 3999u);
}

}  // namespace
}  // namespace trustsphere
