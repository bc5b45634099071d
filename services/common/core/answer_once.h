#pragma once

// A request whose write may end with its outcome unknown: the connection,
// or the database's primary, lost while the commit was on its way. With a
// request id the request is run again, from its ledger look-up, until it
// gets an answer: a first attempt that committed is then answered from
// the record it stored, one that did not is written now. Neither lost nor
// written twice, and the caller is answered instead of told to retry.
// Without a request id nothing tells a first attempt's effect from a
// second, and the unknown outcome (UNAVAILABLE) is what the caller gets.

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "storage/write_outcome.h"

namespace trustsphere {

// The attempts after an unknown outcome: each `Again` pauses and says
// whether to run once more after `last`. They end at the caller's deadline,
// or after kUnknownOutcomeWindow (about what a failover takes), with the
// first unknown outcome unless a later attempt gave an answer.
class UnknownOutcomeRetries {
 public:
  static constexpr absl::Duration kUnknownOutcomeWindow = absl::Seconds(15);

  UnknownOutcomeRetries(absl::Time deadline, absl::Status unknown);
  bool Again(const absl::Status& last);
  // What to answer once Again has said no.
  absl::Status Final(const absl::Status& last) const;

 private:
  const absl::Time until_;
  const absl::Status unknown_;
  absl::Duration pause_ = absl::Milliseconds(20);
  int conflicts_ = 0;
};

template <typename T>
absl::StatusOr<T> AnswerOnce(const std::string& request_id, absl::Time deadline,
                             const std::function<absl::StatusOr<T>()>& attempt) {
  absl::StatusOr<T> answer = attempt();
  if (request_id.empty() || answer.ok() || !storage::IsOutcomeUnknown(answer.status()))
    return answer;
  UnknownOutcomeRetries retries(deadline, answer.status());
  while (retries.Again(answer.status())) {
    answer = attempt();
    if (answer.ok()) return answer;
  }
  return retries.Final(answer.status());
}

}  // namespace trustsphere
