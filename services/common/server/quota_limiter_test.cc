#include "services/common/server/quota_limiter.h"

#include <gtest/gtest.h>

#include "absl/strings/cord.h"
#include "google/rpc/error_details.pb.h"

namespace trustsphere {
namespace {

constexpr char kRetryInfoType[] = "type.googleapis.com/google.rpc.RetryInfo";

QuotaOptions Options(QuotaRate reads, double privileged_factor = 10, size_t max_callers = 1000) {
  QuotaOptions options;
  options.rates[static_cast<int>(QuotaClass::kReads)] = reads;
  options.privileged_factor = privileged_factor;
  options.max_callers = max_callers;
  return options;
}

absl::Duration RetryDelayOf(const absl::Status& status) {
  auto payload = status.GetPayload(kRetryInfoType);
  if (!payload.has_value()) return absl::ZeroDuration();
  google::rpc::RetryInfo info;
  if (!info.ParseFromString(std::string(*payload))) return absl::ZeroDuration();
  return absl::Seconds(info.retry_delay().seconds()) +
         absl::Nanoseconds(info.retry_delay().nanos());
}

const absl::Duration kStart = absl::Hours(1);

TEST(QuotaLimiterTest, ABurstIsAdmittedThenRefusedWithTheDelayUntilTheNextToken) {
  QuotaLimiter limiter(Options({2, 5}));
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(limiter.Take(QuotaClass::kReads, "prs_a", false, kStart).ok()) << i;
  }
  absl::Status refused = limiter.Take(QuotaClass::kReads, "prs_a", false, kStart);
  EXPECT_TRUE(absl::IsResourceExhausted(refused));
  EXPECT_NE(refused.message().find("reads"), absl::string_view::npos) << refused;
  // Empty at 2 per second: the next token comes in half a second.
  EXPECT_EQ(RetryDelayOf(refused), absl::Milliseconds(500));
  // Not yet, then yes once the delay passed.
  EXPECT_FALSE(
      limiter.Take(QuotaClass::kReads, "prs_a", false, kStart + absl::Milliseconds(400)).ok());
  EXPECT_TRUE(
      limiter.Take(QuotaClass::kReads, "prs_a", false, kStart + absl::Milliseconds(900)).ok());
}

TEST(QuotaLimiterTest, CallersAndClassesHaveSeparateBudgets) {
  QuotaOptions options = Options({1, 1});
  options.rates[static_cast<int>(QuotaClass::kWrites)] = {1, 1};
  QuotaLimiter limiter(options);
  EXPECT_TRUE(limiter.Take(QuotaClass::kReads, "prs_a", false, kStart).ok());
  EXPECT_FALSE(limiter.Take(QuotaClass::kReads, "prs_a", false, kStart).ok());
  EXPECT_TRUE(limiter.Take(QuotaClass::kReads, "prs_b", false, kStart).ok());
  EXPECT_TRUE(limiter.Take(QuotaClass::kWrites, "prs_a", false, kStart).ok());
  // A class without a rate is unlimited.
  for (int i = 0; i < 100; ++i) {
    EXPECT_TRUE(limiter.Take(QuotaClass::kSearches, "prs_a", false, kStart).ok());
  }
}

TEST(QuotaLimiterTest, PrivilegedCallersGetTheFactorOnRateAndBurst) {
  QuotaLimiter limiter(Options({1, 2}, /*privileged_factor=*/10));
  int admitted = 0;
  while (limiter.Take(QuotaClass::kReads, "recommendations", true, kStart).ok()) ++admitted;
  EXPECT_EQ(admitted, 20);
  absl::Status refused = limiter.Take(QuotaClass::kReads, "recommendations", true, kStart);
  EXPECT_EQ(RetryDelayOf(refused), absl::Milliseconds(100));
}

TEST(QuotaLimiterTest, TheBucketRefillsUpToItsBurstOnly) {
  QuotaLimiter limiter(Options({10, 3}));
  EXPECT_TRUE(limiter.Take(QuotaClass::kReads, "prs_a", false, kStart).ok());
  // An hour idle refills to the burst, not to 36,000 calls.
  const absl::Duration later = kStart + absl::Hours(1);
  int admitted = 0;
  while (limiter.Take(QuotaClass::kReads, "prs_a", false, later).ok()) ++admitted;
  EXPECT_EQ(admitted, 3);
}

TEST(QuotaLimiterTest, HoldsAtMostItsBoundDroppingIdleCallersFirst) {
  // 16 shards of 2 entries.
  QuotaLimiter limiter(Options({1, 2}, 10, /*max_callers=*/32));
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(limiter.Take(QuotaClass::kReads, "prs_" + std::to_string(i), false, kStart).ok());
  }
  EXPECT_LE(limiter.callers(), 32u);
  // A caller that keeps its bucket empty stays remembered while one-off
  // callers come and go: forgetting it would give it a full burst again.
  QuotaLimiter small(Options({1, 2}, 10, /*max_callers=*/64));
  EXPECT_TRUE(small.Take(QuotaClass::kReads, "flooder", false, kStart).ok());
  for (int i = 0; i < 200; ++i) {
    const absl::Duration now = kStart + absl::Seconds(i);
    (void)small.Take(QuotaClass::kReads, "once_" + std::to_string(i), false, now);
    EXPECT_TRUE(small.Take(QuotaClass::kReads, "flooder", false, now).ok()) << i;
    EXPECT_FALSE(small.Take(QuotaClass::kReads, "flooder", false, now).ok()) << i;
  }
  EXPECT_LE(small.callers(), 64u);
}

// Callers that all stay busy: the least recently seen go, a caller seen on
// every call stays (its empty bucket is not refilled by forgetting it).
TEST(QuotaLimiterTest, UnderAStreamOfNewCallersTheRecentOnesStay) {
  QuotaLimiter limiter(Options({0.001, 2}, 10, /*max_callers=*/160));
  int recent_admitted = 0;
  for (int i = 0; i < 10000; ++i) {
    const absl::Duration now = kStart + absl::Milliseconds(i);
    ASSERT_TRUE(limiter.Take(QuotaClass::kReads, "new_" + std::to_string(i), false, now).ok());
    recent_admitted += limiter.Take(QuotaClass::kReads, "recent", false, now).ok();
    ASSERT_LE(limiter.callers(), 160u) << i;
  }
  EXPECT_EQ(recent_admitted, 2);
}

}  // namespace
}  // namespace trustsphere
