#pragma once

// What every LoginThrottle does, for the tests of each: the delays grow
// after the free failures, other emails are unaffected, success forgets.

#include <gtest/gtest.h>

#include "services/identity/login_throttle.h"

namespace trustsphere::identity {

inline void ExpectDelaysGrowAfterTheFreeFailures(LoginThrottle& throttle) {
  const absl::Time now = absl::FromUnixSeconds(1000000);
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
  EXPECT_TRUE(throttle.Check("c@d.fr", now).ok());
  throttle.RecordSuccess("a@b.fr");
  EXPECT_TRUE(throttle.Check("a@b.fr", now + absl::Seconds(1)).ok());
  // Failures older than the longest delay are forgiven.
  for (int i = 0; i < LoginThrottle::kFreeFailures + 3; ++i) throttle.RecordFailure("e@f.fr", now);
  EXPECT_TRUE(absl::IsResourceExhausted(throttle.Check("e@f.fr", now + absl::Seconds(4))));
  const absl::Time later = now + LoginThrottle::kMaxDelay + absl::Seconds(1);
  throttle.RecordFailure("e@f.fr", later);
  EXPECT_TRUE(throttle.Check("e@f.fr", later).ok());
}

}  // namespace trustsphere::identity
