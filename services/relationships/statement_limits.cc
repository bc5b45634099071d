#include "services/relationships/statement_limits.h"

#include "absl/strings/str_cat.h"

namespace trustsphere::relationships {

absl::Status CheckLimits(const StatementLimits& limits, const StatementCounts& truster,
                         const StatementChange& change) {
  const StatementCounts delta = DeltasOf(change).truster;
  if (delta.kept > 0 && truster.kept + delta.kept > limits.max_kept) {
    return absl::ResourceExhaustedError(absl::StrCat("a person keeps at most ", limits.max_kept,
                                                     " statements, revoked ones included"));
  }
  if (delta.active > 0 && truster.active + delta.active > limits.max_active) {
    return absl::ResourceExhaustedError(
        absl::StrCat("a person holds at most ", limits.max_active,
                     " active statements; revoke one to state another"));
  }
  if (delta.unanswered > 0 && truster.unanswered + delta.unanswered > limits.max_unanswered) {
    return absl::ResourceExhaustedError(
        absl::StrCat("a person may have at most ", limits.max_unanswered,
                     " statements waiting for an answer; one is answered or revoked first"));
  }
  return absl::OkStatus();
}

}  // namespace trustsphere::relationships
