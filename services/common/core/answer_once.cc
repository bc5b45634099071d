#include "services/common/core/answer_once.h"

#include <algorithm>

#include "absl/time/clock.h"

namespace trustsphere {
namespace {

// A retry that meets the lost commit still running sees its claim taken or
// its rows changed: a few conflicts are that, more are another writer.
constexpr int kConflictsTolerated = 3;
constexpr absl::Duration kLongestPause = absl::Milliseconds(500);

}  // namespace

UnknownOutcomeRetries::UnknownOutcomeRetries(absl::Time deadline, absl::Status unknown)
    : until_(std::min(deadline, absl::Now() + kUnknownOutcomeWindow)),
      unknown_(std::move(unknown)) {}

bool UnknownOutcomeRetries::Again(const absl::Status& last) {
  // The database still away, or the retry's own commit lost too.
  const bool worth_it =
      absl::IsUnavailable(last) || (absl::IsAborted(last) && conflicts_++ < kConflictsTolerated);
  if (!worth_it || absl::Now() + pause_ >= until_) return false;
  absl::SleepFor(pause_);
  pause_ = std::min(pause_ * 2, kLongestPause);
  return true;
}

absl::Status UnknownOutcomeRetries::Final(const absl::Status& last) const {
  // Never learnt: the first attempt may still have committed.
  return absl::IsUnavailable(last) ? unknown_ : last;
}

}  // namespace trustsphere
