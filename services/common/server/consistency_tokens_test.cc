#include "services/common/server/consistency_tokens.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "absl/time/clock.h"

namespace trustsphere {
namespace {

// Positions moved by the test: `applied` lags `issued` while a change is in
// flight.
struct FakeLog {
  std::atomic<uint64_t> applied{0};
  std::atomic<uint64_t> issued{0};
  ConsistencyTokens Tokens(absl::Duration max_wait) {
    return ConsistencyTokens(
        {.applied = [this] { return applied.load(); }, .issued = [this] { return issued.load(); }},
        max_wait);
  }
};

bool Never() { return false; }

TEST(ConsistencyTokensTest, ATokenRoundTripsAndAnythingElseIsRefused) {
  EXPECT_EQ(ConsistencyTokens::Decode(ConsistencyTokens::Encode(42)), 42u);
  FakeLog log;
  auto tokens = log.Tokens(absl::Seconds(1));
  for (const char* bad : {"42", "v1.", "v1.-3", "v2.42", "v1.42x"}) {
    EXPECT_TRUE(absl::IsInvalidArgument(tokens.AwaitToken(bad, absl::InfiniteFuture(), Never)))
        << bad;
  }
  EXPECT_TRUE(tokens.AwaitToken("", absl::InfiniteFuture(), Never).ok());
}

// A change in flight: the call waits until it is applied, and no longer
// than its deadline, max_wait or its client.
TEST(ConsistencyTokensTest, ACallWaitsForItsPositionWithinItsBounds) {
  FakeLog log;
  log.applied = 5;
  log.issued = 7;
  auto tokens = log.Tokens(absl::Milliseconds(200));
  const std::string token = ConsistencyTokens::Encode(7);
  EXPECT_TRUE(absl::IsUnavailable(tokens.AwaitToken(token, absl::InfiniteFuture(), Never)));
  EXPECT_TRUE(absl::IsDeadlineExceeded(
      tokens.AwaitToken(token, absl::Now() + absl::Milliseconds(50), Never)));
  EXPECT_TRUE(
      absl::IsCancelled(tokens.AwaitToken(token, absl::InfiniteFuture(), [] { return true; })));
  EXPECT_TRUE(tokens.AwaitToken(ConsistencyTokens::Encode(5), absl::InfiniteFuture(), Never).ok());

  std::thread lands([&] {
    absl::SleepFor(absl::Milliseconds(30));
    log.applied = 7;
  });
  EXPECT_TRUE(tokens.AwaitToken(token, absl::Now() + absl::Seconds(5), Never).ok());
  lands.join();
}

// A token past everything handed out (an earlier life of the database, or
// another one) waits only for what is in flight.
TEST(ConsistencyTokensTest, ATokenPastEverythingHandedOutWaitsOnlyForWhatIsInFlight) {
  FakeLog log;
  log.applied = 9;
  log.issued = 10;
  auto tokens = log.Tokens(absl::Milliseconds(100));
  const std::string far = ConsistencyTokens::Encode(1000000);
  EXPECT_TRUE(absl::IsUnavailable(tokens.AwaitToken(far, absl::InfiniteFuture(), Never)));
  log.applied = 10;
  EXPECT_TRUE(tokens.AwaitToken(far, absl::InfiniteFuture(), Never).ok());
}

// Replicas sharing a log: a token another replica handed out is past
// everything this one knows. It learns from the database first, then
// waits for what it learnt; a failure to learn is UNAVAILABLE, never a
// stale answer.
TEST(ConsistencyTokensTest, ATokenFromAnotherReplicaIsLearntBeforeItIsClamped) {
  FakeLog log;
  log.applied = 5;
  log.issued = 5;
  std::atomic<int> learnt = 0;
  absl::Status learning = absl::OkStatus();
  ConsistencyTokens tokens({.applied = [&] { return log.applied.load(); },
                            .issued = [&] { return log.issued.load(); },
                            .learn =
                                [&] {
                                  ++learnt;
                                  // The database holds up to 8; applying it takes a moment.
                                  log.issued = 8;
                                  return learning;
                                }},
                           absl::Seconds(5));
  std::thread applies([&] {
    absl::SleepFor(absl::Milliseconds(30));
    log.applied = 8;
  });
  EXPECT_TRUE(tokens.AwaitToken(ConsistencyTokens::Encode(8), absl::InfiniteFuture(), Never).ok());
  EXPECT_EQ(log.applied.load(), 8u);
  EXPECT_EQ(learnt.load(), 1);
  applies.join();

  // Known already: nothing to learn.
  EXPECT_TRUE(tokens.AwaitToken(ConsistencyTokens::Encode(8), absl::InfiniteFuture(), Never).ok());
  EXPECT_EQ(learnt.load(), 1);
  learning = absl::UnavailableError("database away");
  EXPECT_TRUE(absl::IsUnavailable(
      tokens.AwaitToken(ConsistencyTokens::Encode(9), absl::InfiniteFuture(), Never)));
}

}  // namespace
}  // namespace trustsphere
