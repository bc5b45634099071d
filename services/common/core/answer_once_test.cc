#include "services/common/core/answer_once.h"

#include <gtest/gtest.h>

#include <vector>

#include "absl/time/clock.h"
#include "storage/write_outcome.h"

namespace trustsphere {
namespace {

// An attempt that answers, in turn, each status of `script` (the last one
// for ever after), and counts its calls.
struct ScriptedAttempt {
  std::vector<absl::StatusOr<int>> script;
  int calls = 0;
  absl::StatusOr<int> operator()() {
    const size_t at = std::min<size_t>(calls++, script.size() - 1);
    return script[at];
  }
};

absl::Status Unknown() { return storage::OutcomeUnknownError("server closed the connection"); }

absl::StatusOr<int> Answer(ScriptedAttempt& attempt, const std::string& request_id,
                           absl::Time deadline = absl::InfiniteFuture()) {
  return AnswerOnce<int>(request_id, deadline, [&] { return attempt(); });
}

TEST(AnswerOnceTest, AnAnswerIsNotAskedAgain) {
  ScriptedAttempt attempt{{absl::InvalidArgumentError("request_id: taken")}};
  EXPECT_TRUE(absl::IsInvalidArgument(Answer(attempt, "r1").status()));
  EXPECT_EQ(attempt.calls, 1);
}

TEST(AnswerOnceTest, WithoutARequestIdAnUnknownOutcomeIsTheAnswer) {
  ScriptedAttempt attempt{{Unknown(), 7}};
  auto answer = Answer(attempt, "");
  EXPECT_TRUE(storage::IsOutcomeUnknown(answer.status())) << answer.status();
  EXPECT_EQ(attempt.calls, 1);
}

TEST(AnswerOnceTest, WithARequestIdItRunsAgainWhileTheDatabaseIsAway) {
  ScriptedAttempt attempt{{Unknown(), absl::UnavailableError("connection refused"), 7}};
  auto answer = Answer(attempt, "r1");
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(*answer, 7);
  EXPECT_EQ(attempt.calls, 3);
}

TEST(AnswerOnceTest, ARefusalAfterTheRetryIsTheAnswer) {
  ScriptedAttempt attempt{{Unknown(), absl::InvalidArgumentError("request_id: other content")}};
  EXPECT_TRUE(absl::IsInvalidArgument(Answer(attempt, "r1").status()));
  EXPECT_EQ(attempt.calls, 2);
}

TEST(AnswerOnceTest, ADatabaseThatStaysAwayEndsAtTheDeadlineWithTheUnknownOutcome) {
  ScriptedAttempt attempt{{Unknown(), absl::UnavailableError("connection refused")}};
  const absl::Time start = absl::Now();
  auto answer = Answer(attempt, "r1", start + absl::Milliseconds(300));
  EXPECT_TRUE(storage::IsOutcomeUnknown(answer.status())) << answer.status();
  EXPECT_GT(attempt.calls, 2);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST(AnswerOnceTest, ConflictsThatGoOnAreAnotherWritersAndAnswered) {
  ScriptedAttempt attempt{{Unknown(), absl::AbortedError("changed meanwhile")}};
  EXPECT_TRUE(absl::IsAborted(Answer(attempt, "r1").status()));
  // The unknown outcome, then the conflicts a lost commit could explain.
  EXPECT_EQ(attempt.calls, 1 + 4);
}

}  // namespace
}  // namespace trustsphere
