// Trust changes reaching recommendations: when the author revokes trust or
// narrows the sphere, the recommendations that relied on it become STALE.

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/crypto.h"
#include "services/common/facet.h"
#include "services/common/proto_time.h"
#include "services/recommendations/recommendation_logic.h"
#include "services/recommendations/recommendation_store.h"
#include "services/recommendations/recommendations_keys.h"

namespace trustsphere::recommendations {
namespace {

bool StillVouched(const v1::Recommendation& recommendation,
                  const relationships::v1::TrustStatement& statement) {
  if (statement.state() != relationships::v1::TRUST_STATE_ACTIVE) return false;
  for (const auto& facet : recommendation.facets()) {
    bool inside = false;
    for (const auto& held : statement.sphere().inside()) inside = inside || SameFacet(facet, held);
    if (!inside) return false;
  }
  return true;
}

bool Live(v1::RecommendationState state) {
  return state == v1::RECOMMENDATION_STATE_SUBMITTED ||
         state == v1::RECOMMENDATION_STATE_PUBLISHED || state == v1::RECOMMENDATION_STATE_HIDDEN;
}

}  // namespace

std::string PairLock(const std::string& author, const std::string& subject) {
  return absl::StrCat("pair:", author, "|", subject);
}

absl::StatusOr<std::string> RecommendationLogic::TrustCursor() const {
  auto cursor = engine_->GetMeta(keys::kWatchCursorMeta);
  if (absl::IsNotFound(cursor.status())) return std::string();
  return cursor;
}

absl::Status RecommendationLogic::ApplyTrustChange(const relationships::v1::TrustChange& change) {
  const auto& statement = change.statement();
  const std::string& author = statement.truster_id();
  const std::string& subject = statement.trustee_id();

  std::vector<std::string> ids;
  absl::Status scanned = engine_->Scan(keys::kByPair, {.prefix = keys::PairPrefix(author, subject)},
                                       [&](std::string_view key, std::string_view) {
                                         ids.push_back(keys::IdOfPair(key));
                                         return true;
                                       });
  if (!scanned.ok()) return scanned;

  std::vector<std::string> lock_keys = {PairLock(author, subject)};
  for (const auto& id : ids) lock_keys.push_back("recommendation:" + id);
  auto guard = locks_.Lock(lock_keys);

  storage::WriteBatch batch;
  for (const auto& id : ids) {
    auto recommendation = store::GetRecommendation(*engine_, id);
    if (!recommendation.ok()) return recommendation.status();
    if (!Live(recommendation->state()) || StillVouched(*recommendation, statement)) continue;
    recommendation->set_state(v1::RECOMMENDATION_STATE_STALE);
    *recommendation->mutable_update_time() = ToProto(absl::Now());
    recommendation->set_etag(NewEtag());
    store::PutRecommendation(batch, *recommendation, /*new_version=*/false, /*created=*/false);
  }
  // The cursor moves in the same batch: after a crash the change is either
  // applied with its cursor, or replayed.
  batch.PutMeta(keys::kWatchCursorMeta, change.cursor());
  return engine_->Write(std::move(batch)).status();
}

}  // namespace trustsphere::recommendations
