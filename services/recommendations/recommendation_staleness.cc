// Trust changes reaching recommendations: when the author revokes trust or
// narrows the sphere, the recommendations that relied on it become STALE.

#include <optional>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/core/crypto.h"
#include "services/common/core/facet.h"
#include "services/common/core/proto_time.h"
#include "services/recommendations/recommendation_logic.h"

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
  return store_->TrustCursor();
}

absl::Status RecommendationLogic::ApplyTrustChanges(
    const std::vector<relationships::v1::TrustChange>& changes) {
  if (changes.empty()) return absl::OkStatus();
  // The recommendations of each (author, subject) pair the changes touch,
  // read again once their locks are held: a recommendation written in the
  // meantime (its writer holds the pair's lock) is then among them.
  auto ids_of_pairs = [&]() -> absl::StatusOr<std::vector<std::vector<std::string>>> {
    std::vector<std::vector<std::string>> ids(changes.size());
    for (size_t i = 0; i < changes.size(); ++i) {
      auto of_pair = store_->RecommendationIdsOfPair(changes[i].statement().truster_id(),
                                                     changes[i].statement().trustee_id());
      if (!of_pair.ok()) return of_pair.status();
      ids[i] = std::move(*of_pair);
    }
    return ids;
  };
  auto ids = ids_of_pairs();
  if (!ids.ok()) return ids.status();
  std::optional<KeyLocks::Guard> guard;
  while (true) {
    std::vector<std::string> lock_keys;
    for (size_t i = 0; i < changes.size(); ++i) {
      lock_keys.push_back(
          PairLock(changes[i].statement().truster_id(), changes[i].statement().trustee_id()));
      for (const auto& id : (*ids)[i]) lock_keys.push_back("recommendation:" + id);
    }
    guard.reset();
    guard.emplace(locks_.Lock(lock_keys));
    auto again = ids_of_pairs();
    if (!again.ok()) return again.status();
    if (*again == *ids) break;
    ids = std::move(again);
  }

  // In stream order, as one change at a time would: a recommendation only
  // goes from live to STALE, so one already made stale by an earlier change
  // of the batch is left as it is.
  RecommendationWrite write;
  absl::flat_hash_set<std::string> made_stale;
  for (size_t i = 0; i < changes.size(); ++i) {
    for (const auto& id : (*ids)[i]) {
      if (made_stale.contains(id)) continue;
      auto recommendation = Stored(id);
      if (!recommendation.ok()) return recommendation.status();
      if (!Live(recommendation->state()) || StillVouched(*recommendation, changes[i].statement())) {
        continue;
      }
      recommendation->set_state(v1::RECOMMENDATION_STATE_STALE);
      *recommendation->mutable_update_time() = ToProto(absl::Now());
      recommendation->set_etag(NewEtag());
      write.PutRecommendation(*recommendation, /*new_version=*/false, /*created=*/false);
      made_stale.insert(id);
    }
  }
  // The cursor moves in the same write: after a crash the changes are
  // either applied with their cursor, or replayed.
  write.SetTrustCursor(changes.back().cursor());
  return store_->Apply(write);
}

}  // namespace trustsphere::recommendations
