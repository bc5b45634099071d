#include "services/identity/login_throttle.h"

#include <gtest/gtest.h>

#include "services/identity/login_throttle_scenario.h"

namespace trustsphere::identity {
namespace {

TEST(LoginThrottleTest, DelaysGrowAfterTheFreeFailures) {
  MemoryLoginThrottle throttle;
  ExpectDelaysGrowAfterTheFreeFailures(throttle);
}

}  // namespace
}  // namespace trustsphere::identity
