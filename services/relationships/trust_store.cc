#include "services/relationships/trust_store.h"

namespace trustsphere::relationships {
namespace {

// Active with no active statement back: waiting for an answer.
bool Unanswered(const std::optional<v1::TrustStatement>& statement,
                const std::optional<v1::TrustStatement>& back) {
  return IsActive(statement) && !IsActive(back);
}

}  // namespace

CountDeltas DeltasOf(const StatementChange& change) {
  const std::optional<v1::TrustStatement> after = change.after;
  CountDeltas deltas;
  deltas.truster.active = IsActive(after) - IsActive(change.before);
  deltas.truster.kept = change.before ? 0 : 1;
  deltas.truster.unanswered =
      Unanswered(after, change.reverse) - Unanswered(change.before, change.reverse);
  deltas.trustee.unanswered =
      Unanswered(change.reverse, after) - Unanswered(change.reverse, change.before);
  return deltas;
}

void Add(StatementCounts& counts, const StatementCounts& delta) {
  counts.active += delta.active;
  counts.kept += delta.kept;
  counts.unanswered += delta.unanswered;
}

}  // namespace trustsphere::relationships
