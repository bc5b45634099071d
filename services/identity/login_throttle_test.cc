#include "services/identity/login_throttle.h"

#include <gtest/gtest.h>

namespace trustsphere::identity {
namespace {

TEST(LoginThrottleTest, DelaysGrowAfterTheFreeFailures) {
  LoginThrottle throttle;
  absl::Time now = absl::FromUnixSeconds(1000000);
  for (int i = 0; i < LoginThrottle::kFreeFailures - 1; ++i) {
    ASSERT_TRUE(throttle.Check("a@b.fr", now).ok());
    throttle.RecordFailure("a@b.fr", now);
  }
  EXPECT_TRUE(throttle.Check("a@b.fr", now).ok());
  throttle.RecordFailure("a@b.fr", now);
  EXPECT_TRUE(absl::IsResourceExhausted(throttle.Check("a@b.fr", now)));
  EXPECT_TRUE(throttle.Check("a@b.fr", now + absl::Seconds(1)).ok());
  throttle.RecordFailure("a@b.fr", now + absl::Seconds(1));
  EXPECT_TRUE(absl::IsResourceExhausted(throttle.Check("a@b.fr", now + absl::Seconds(2))));
  EXPECT_TRUE(throttle.Check("a@b.fr", now + absl::Seconds(3)).ok());
  // Other emails are unaffected; success forgets.
  EXPECT_TRUE(throttle.Check("c@d.fr", now).ok());
  throttle.RecordSuccess("a@b.fr");
  EXPECT_TRUE(throttle.Check("a@b.fr", now + absl::Seconds(1)).ok());
}

}  // namespace
}  // namespace trustsphere::identity
