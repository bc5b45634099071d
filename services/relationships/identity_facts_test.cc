#include "services/relationships/identity_facts.h"

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

class IdentityFactsTest : public ::testing::Test {
 protected:
  IdentityFactsTest() {
    identity_.AddPerson("prs_ada");
    identity_.AddPerson("prs_bob");
  }

  FakeIdentityDirectory identity_;
  const IdentityFacts::Options options_{.poll_interval = absl::Milliseconds(5),
                                        .trust_for = absl::Seconds(5)};
};

TEST_F(IdentityFactsTest, WithoutFollowingEveryQuestionGoesToIdentity) {
  IdentityFacts people(&identity_, options_);
  for (int i = 1; i <= 3; ++i) {
    auto live = people.Live({"prs_ada", "prs_bob", "prs_nobody"}, kNoDeadline);
    ASSERT_TRUE(live.ok()) << live.status();
    EXPECT_EQ(*live, (absl::flat_hash_set<std::string>{"prs_ada", "prs_bob"}));
    EXPECT_EQ(identity_.reads(), i);
  }
  EXPECT_FALSE(people.fresh());
}

TEST_F(IdentityFactsTest, AConfirmationIsRememberedUntilThePersonIsDeleted) {
  IdentityFacts people(&identity_, options_);
  people.StartFollowing();
  ASSERT_TRUE(Eventually([&] { return people.fresh(); }));
  ASSERT_TRUE(people.Live({"prs_ada", "prs_bob"}, kNoDeadline).ok());
  const int asked = identity_.reads();
  auto live = people.Live({"prs_ada", "prs_bob"}, kNoDeadline);
  ASSERT_TRUE(live.ok());
  EXPECT_EQ(live->size(), 2u);
  EXPECT_EQ(identity_.reads(), asked);  // from memory

  identity_.DeletePerson("prs_bob");
  EXPECT_TRUE(Eventually([&] {
    auto now = people.Live({"prs_ada", "prs_bob"}, kNoDeadline);
    return now.ok() && *now == absl::flat_hash_set<std::string>{"prs_ada"};
  }));
  // Nobody is remembered as missing: an unknown id is asked every time.
  const int before = identity_.reads();
  ASSERT_TRUE(people.Live({"prs_nobody"}, kNoDeadline).ok());
  EXPECT_EQ(identity_.reads(), before + 1);
}

TEST_F(IdentityFactsTest, ATombstoneIdentityReportsIsKeptEvenWithoutFollowing) {
  IdentityFacts people(&identity_, options_);
  identity_.DeletePerson("prs_bob");
  ASSERT_TRUE(people.Live({"prs_bob"}, kNoDeadline).ok());
  const int asked = identity_.reads();
  auto live = people.Live({"prs_bob"}, kNoDeadline);
  ASSERT_TRUE(live.ok());
  EXPECT_TRUE(live->empty());
  EXPECT_EQ(identity_.reads(), asked);
}

TEST_F(IdentityFactsTest, WhenIdentityStopsAnsweringNothingRememberedIsUsedForLong) {
  IdentityFacts people(
      &identity_, {.poll_interval = absl::Milliseconds(5), .trust_for = absl::Milliseconds(100)});
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

TEST_F(IdentityFactsTest, PastItsBoundWhatIsRememberedIsForgottenAtOnce) {
  IdentityFacts people(
      &identity_,
      {.poll_interval = absl::Milliseconds(5), .trust_for = absl::Seconds(5), .max_remembered = 1});
  people.StartFollowing();
  ASSERT_TRUE(Eventually([&] { return people.fresh(); }));
  ASSERT_TRUE(people.Live({"prs_ada"}, kNoDeadline).ok());
  int asked = identity_.reads();
  ASSERT_TRUE(people.Live({"prs_ada"}, kNoDeadline).ok());
  EXPECT_EQ(identity_.reads(), asked);                      // remembered
  ASSERT_TRUE(people.Live({"prs_bob"}, kNoDeadline).ok());  // one too many: ada is forgotten
  asked = identity_.reads();
  ASSERT_TRUE(people.Live({"prs_ada"}, kNoDeadline).ok());
  EXPECT_EQ(identity_.reads(), asked + 1);
}

TEST_F(IdentityFactsTest, AnOwnerIsRememberedUntilThePositionIsRemoved) {
  const std::string kept = identity_.AddPosition("prs_ada", "Acme", 2020, 1).id();
  const std::string removed = identity_.AddPosition("prs_ada", "Initech", 2018, 1).id();
  IdentityFacts facts(&identity_, options_);
  facts.StartFollowing();
  ASSERT_TRUE(Eventually([&] { return facts.fresh(); }));
  auto owners = facts.Owners({kept, removed, "pos_unknown"}, kNoDeadline);
  ASSERT_TRUE(owners.ok()) << owners.status();
  EXPECT_EQ(*owners, (absl::flat_hash_map<std::string, std::string>{{kept, "prs_ada"},
                                                                    {removed, "prs_ada"}}));
  const int asked = identity_.reads();
  ASSERT_TRUE(facts.Owners({kept, removed}, kNoDeadline).ok());
  EXPECT_EQ(identity_.reads(), asked);  // from memory

  identity_.RemovePosition(removed);
  EXPECT_TRUE(Eventually([&] {
    auto now = facts.Owners({kept, removed}, kNoDeadline);
    return now.ok() && now->size() == 1 && now->contains(kept);
  }));
}

}  // namespace
}  // namespace trustsphere::relationships
