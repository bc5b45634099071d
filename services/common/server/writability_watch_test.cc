#include "services/common/server/writability_watch.h"

#include <gtest/gtest.h>

namespace trustsphere {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1764547200);
const absl::Status kLost = absl::UnavailableError("disk is read-only");

TEST(WritabilityWatchTest, NotReadyWhileUnwritableAndReadyAgainAtTheFirstGoodAnswer) {
  WritabilityWatch watch(absl::Minutes(2), /*restart_heals=*/true);
  EXPECT_TRUE(watch.ready());
  auto change = watch.Record(absl::OkStatus(), kStart);
  EXPECT_FALSE(change.ready || change.live);
  change = watch.Record(kLost, kStart + absl::Seconds(1));
  EXPECT_TRUE(change.ready);
  EXPECT_FALSE(watch.ready());
  EXPECT_TRUE(watch.live());
  EXPECT_EQ(watch.unwritable_since(), kStart + absl::Seconds(1));
  // Still failing: nothing changes, and the first failure stays the start.
  change = watch.Record(kLost, kStart + absl::Seconds(30));
  EXPECT_FALSE(change.ready || change.live);
  EXPECT_EQ(watch.unwritable_since(), kStart + absl::Seconds(1));
  change = watch.Record(absl::OkStatus(), kStart + absl::Seconds(31));
  EXPECT_TRUE(change.ready);
  EXPECT_TRUE(watch.ready());
}

TEST(WritabilityWatchTest, AStorageARestartHealsAsksForOneAfterTheBound) {
  WritabilityWatch watch(absl::Minutes(2), /*restart_heals=*/true);
  watch.Record(kLost, kStart);
  EXPECT_FALSE(watch.Record(kLost, kStart + absl::Seconds(119)).live);
  EXPECT_TRUE(watch.live());
  EXPECT_TRUE(watch.Record(kLost, kStart + absl::Seconds(120)).live);
  EXPECT_FALSE(watch.live());
  // Healed before the restart came: live again.
  auto change = watch.Record(absl::OkStatus(), kStart + absl::Seconds(125));
  EXPECT_TRUE(change.live && change.ready);
  EXPECT_TRUE(watch.live());
  // A new outage counts from its own start.
  watch.Record(kLost, kStart + absl::Seconds(200));
  EXPECT_FALSE(watch.Record(kLost, kStart + absl::Seconds(300)).live);
  EXPECT_TRUE(watch.live());
}

TEST(WritabilityWatchTest, ALostSharedDatabaseNeverAsksForARestart) {
  WritabilityWatch watch(absl::Minutes(2), /*restart_heals=*/false);
  watch.Record(kLost, kStart);
  watch.Record(kLost, kStart + absl::Hours(1));
  EXPECT_FALSE(watch.ready());
  EXPECT_TRUE(watch.live());
}

TEST(WritabilityWatchTest, AZeroBoundNeverAsksForARestart) {
  WritabilityWatch watch(absl::ZeroDuration(), /*restart_heals=*/true);
  watch.Record(kLost, kStart);
  watch.Record(kLost, kStart + absl::Hours(1));
  EXPECT_TRUE(watch.live());
}

}  // namespace
}  // namespace trustsphere
