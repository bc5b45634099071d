#include "services/relationships/trust_store.h"

namespace trustsphere::relationships {
namespace {

// Active, and waiting for an answer its truster can see: a PRIVATE
// statement back is the trustee's alone, so it answers nothing (counting it
// would let the truster learn it exists through their limit).
bool Unanswered(const std::optional<v1::TrustStatement>& statement,
                const std::optional<v1::TrustStatement>& back) {
  const bool answered = IsActive(back) && back->visibility() != v1::VISIBILITY_PRIVATE;
  return IsActive(statement) && !answered;
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
