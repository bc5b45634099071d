#include "services/relationships/live_people.h"

#include <gtest/gtest.h>

#include "services/common/downstream/fake_identity_directory.h"

namespace trustsphere::relationships {
namespace {

const absl::Time kNoDeadline = absl::InfiniteFuture();

// Waits until `done` holds, for at most ten seconds.
template <typename Done>
bool Eventually(Done done) {
  for (absl::Time stop = absl::Now() + absl::Seconds(10); absl::Now() < stop;) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(2));
  }
  return done();
}

class LivePeopleTest : public ::testing::Test {
 protected:
  LivePeopleTest() {
    identity_.AddPerson("prs_ada");
    identity_.AddPerson("prs_bob");
  }

  FakeIdentityDirectory identity_;
  const LivePeople::Options options_{.poll_interval = absl::Milliseconds(5),
                                     .trust_for = absl::Seconds(5)};
};

TEST_F(LivePeopleTest, WithoutFollowingEveryQuestionGoesToIdentity) {
  LivePeople people(&identity_, options_);
  for (int i = 1; i <= 3; ++i) {
    auto live = people.Live({"prs_ada", "prs_bob", "prs_nobody"}, kNoDeadline);
    ASSERT_TRUE(live.ok()) << live.status();
    EXPECT_EQ(*live, (absl::flat_hash_set<std::string>{"prs_ada", "prs_bob"}));
    EXPECT_EQ(identity_.person_reads(), i);
  }
  EXPECT_FALSE(people.fresh());
}

TEST_F(LivePeopleTest, AConfirmationIsRememberedUntilThePersonIsDeleted) {
  LivePeople people(&identity_, options_);
  people.StartFollowing();
  ASSERT_TRUE(Eventually([&] { return people.fresh(); }));
  ASSERT_TRUE(people.Live({"prs_ada", "prs_bob"}, kNoDeadline).ok());
  const int asked = identity_.person_reads();
  auto live = people.Live({"prs_ada", "prs_bob"}, kNoDeadline);
  ASSERT_TRUE(live.ok());
  EXPECT_EQ(live->size(), 2u);
  EXPECT_EQ(identity_.person_reads(), asked);  // from memory

  identity_.DeletePerson("prs_bob");
  EXPECT_TRUE(Eventually([&] {
    auto now = people.Live({"prs_ada", "prs_bob"}, kNoDeadline);
    return now.ok() && *now == absl::flat_hash_set<std::string>{"prs_ada"};
  }));
  // Nobody is remembered as missing: an unknown id is asked every time.
  const int before = identity_.person_reads();
  ASSERT_TRUE(people.Live({"prs_nobody"}, kNoDeadline).ok());
  EXPECT_EQ(identity_.person_reads(), before + 1);
}

TEST_F(LivePeopleTest, ATombstoneIdentityReportsIsKeptEvenWithoutFollowing) {
  LivePeople people(&identity_, options_);
  identity_.DeletePerson("prs_bob");
  ASSERT_TRUE(people.Live({"prs_bob"}, kNoDeadline).ok());
  const int asked = identity_.person_reads();
  auto live = people.Live({"prs_bob"}, kNoDeadline);
  ASSERT_TRUE(live.ok());
  EXPECT_TRUE(live->empty());
  EXPECT_EQ(identity_.person_reads(), asked);
}

TEST_F(LivePeopleTest, WhenIdentityStopsAnsweringNothingRememberedIsUsedForLong) {
  LivePeople people(&identity_,
                    {.poll_interval = absl::Milliseconds(5), .trust_for = absl::Milliseconds(100)});
  people.StartFollowing();
  ASSERT_TRUE(Eventually([&] { return people.fresh(); }));
  ASSERT_TRUE(people.Live({"prs_ada"}, kNoDeadline).ok());
  identity_.SetUnavailable(true);
  // The follower can no longer read deletions: once its bound has passed,
  // remembered confirmations are not used and identity is asked (and down).
  ASSERT_TRUE(Eventually([&] { return !people.fresh(); }));
  EXPECT_TRUE(absl::IsUnavailable(people.Live({"prs_ada"}, kNoDeadline).status()));
  identity_.SetUnavailable(false);
  EXPECT_TRUE(Eventually([&] { return people.fresh(); }));
  auto live = people.Live({"prs_ada"}, kNoDeadline);
  ASSERT_TRUE(live.ok());
  EXPECT_TRUE(live->contains("prs_ada"));
}

TEST_F(LivePeopleTest, PastItsBoundWhatIsRememberedIsForgottenAtOnce) {
  LivePeople people(
      &identity_,
      {.poll_interval = absl::Milliseconds(5), .trust_for = absl::Seconds(5), .max_remembered = 1});
  people.StartFollowing();
  ASSERT_TRUE(Eventually([&] { return people.fresh(); }));
  ASSERT_TRUE(people.Live({"prs_ada"}, kNoDeadline).ok());
  int asked = identity_.person_reads();
  ASSERT_TRUE(people.Live({"prs_ada"}, kNoDeadline).ok());
  EXPECT_EQ(identity_.person_reads(), asked);               // remembered
  ASSERT_TRUE(people.Live({"prs_bob"}, kNoDeadline).ok());  // one too many: ada is forgotten
  asked = identity_.person_reads();
  ASSERT_TRUE(people.Live({"prs_ada"}, kNoDeadline).ok());
  EXPECT_EQ(identity_.person_reads(), asked + 1);
}

}  // namespace
}  // namespace trustsphere::relationships
