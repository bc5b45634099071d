#include "services/relationships/trust_store.h"

#include "services/common/core/facet.h"

namespace trustsphere::relationships {
namespace {

// Pointers, null for no statement: a change's statements are read in place.
const v1::TrustStatement* Of(const std::optional<v1::TrustStatement>& statement) {
  return statement ? &*statement : nullptr;
}

bool Active(const v1::TrustStatement* statement) {
  return statement != nullptr && statement->state() == v1::TRUST_STATE_ACTIVE;
}

// Active, and waiting for an answer its truster can see.
bool Unanswered(const v1::TrustStatement* statement, const v1::TrustStatement* back) {
  return Active(statement) &&
         !IsVisibleAnswer(Active(back), back ? back->visibility() : v1::VISIBILITY_UNSPECIFIED);
}

// Made and not erased: what `kept` counts.
bool Kept(const v1::TrustStatement* statement) {
  return statement != nullptr && !IsErased(*statement);
}

}  // namespace

v1::TrustStatement ErasedStatement(const std::string& truster, const std::string& trustee) {
  v1::TrustStatement statement;
  statement.set_truster_id(truster);
  statement.set_trustee_id(trustee);
  return statement;
}

CountDeltas DeltasOf(const StatementChange& change) {
  const v1::TrustStatement* before = Of(change.before);
  const v1::TrustStatement* after = &change.after;
  const v1::TrustStatement* reverse = Of(change.reverse);
  CountDeltas deltas;
  deltas.truster.active = Active(after) - Active(before);
  deltas.truster.kept = Kept(after) - Kept(before);
  deltas.truster.unanswered = Unanswered(after, reverse) - Unanswered(before, reverse);
  deltas.trustee.unanswered = Unanswered(reverse, after) - Unanswered(reverse, before);
  return deltas;
}

std::optional<FacetJudgement> Judge(const std::optional<v1::TrustStatement>& statement,
                                    const common::v1::Facet& facet) {
  if (!IsActive(statement)) return std::nullopt;
  FacetJudgement judgement{.visibility = statement->visibility(),
                           .verdict = v1::VERDICT_NOT_STATED};
  if (ContainsFacet(statement->sphere().inside(), facet)) {
    judgement.verdict = v1::VERDICT_INSIDE;
  } else if (ContainsFacet(statement->sphere().outside(), facet)) {
    judgement.verdict = v1::VERDICT_OUTSIDE;
  }
  return judgement;
}

absl::StatusOr<std::optional<FacetJudgement>> TrustReader::Judge(const std::string& truster,
                                                                 const std::string& trustee,
                                                                 const common::v1::Facet& facet) {
  auto statement = Statement(truster, trustee);
  if (!statement.ok()) return statement.status();
  return relationships::Judge(*statement, facet);
}

absl::StatusOr<std::vector<std::vector<common::v1::Facet>>> TrustReader::InsideFacets(
    const std::vector<std::pair<std::string, std::string>>& pairs) {
  auto statements = Statements(pairs);
  if (!statements.ok()) return statements.status();
  std::vector<std::vector<common::v1::Facet>> facets(pairs.size());
  for (size_t i = 0; i < pairs.size() && i < statements->size(); ++i) {
    if (!IsActive((*statements)[i])) continue;
    const auto& inside = (*statements)[i]->sphere().inside();
    facets[i].assign(inside.begin(), inside.end());
  }
  return facets;
}

void Add(StatementCounts& counts, const StatementCounts& delta) {
  counts.active += delta.active;
  counts.kept += delta.kept;
  counts.unanswered += delta.unanswered;
}

}  // namespace trustsphere::relationships
