// Trust changes reaching recommendations: when the author revokes trust or
// narrows the sphere, the recommendations that relied on it become STALE.

#include <algorithm>
#include <optional>

#include "absl/container/flat_hash_map.h"
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
  return std::all_of(recommendation.facets().begin(), recommendation.facets().end(),
                     [&](const common::v1::Facet& facet) {
                       return ContainsFacet(statement.sphere().inside(), facet);
                     });
}

bool Live(v1::RecommendationState state) {
  return state == v1::RECOMMENDATION_STATE_SUBMITTED ||
         state == v1::RECOMMENDATION_STATE_PUBLISHED || state == v1::RECOMMENDATION_STATE_HIDDEN;
}

}  // namespace

std::string PairLock(const std::string& author, const std::string& subject) {
  return absl::StrCat("pair:", author, "|", subject);
}

std::string RecommendationLock(const std::string& id) { return "recommendation:" + id; }

absl::StatusOr<std::string> RecommendationLogic::TrustCursor() const {
  return store_->TrustCursor();
}

absl::Status RecommendationLogic::ApplyTrustChanges(
    const std::vector<relationships::v1::TrustChange>& changes, const std::string& after_cursor) {
  if (changes.empty()) return absl::OkStatus();
  // The (author, subject) pairs the changes touch, each once.
  using Pair = std::pair<std::string, std::string>;
  std::vector<Pair> pairs;
  absl::flat_hash_map<Pair, size_t> pair_index;
  std::vector<size_t> pair_of_change;
  for (const auto& change : changes) {
    Pair pair{change.statement().truster_id(), change.statement().trustee_id()};
    auto [it, added] = pair_index.try_emplace(pair, pairs.size());
    if (added) pairs.push_back(std::move(pair));
    pair_of_change.push_back(it->second);
  }
  // Each pair's recommendations, read again once their locks are held: a
  // recommendation written in the meantime (its writer holds the pair's
  // lock) is then among them.
  auto ids_of_pairs = [&]() -> absl::StatusOr<std::vector<std::vector<std::string>>> {
    std::vector<std::vector<std::string>> ids(pairs.size());
    for (size_t i = 0; i < pairs.size(); ++i) {
      auto of_pair = store_->RecommendationIdsOfPair(pairs[i].first, pairs[i].second);
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
    for (size_t i = 0; i < pairs.size(); ++i) {
      lock_keys.push_back(PairLock(pairs[i].first, pairs[i].second));
      for (const auto& id : (*ids)[i]) lock_keys.push_back(RecommendationLock(id));
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
  // of the batch is left as it is. Each is read once: under the locks only
  // this batch changes it.
  RecommendationWrite write;
  absl::flat_hash_map<std::string, v1::Recommendation> read;
  absl::flat_hash_set<std::string> made_stale;
  for (size_t i = 0; i < changes.size(); ++i) {
    for (const auto& id : (*ids)[pair_of_change[i]]) {
      if (made_stale.contains(id)) continue;
      auto cached = read.find(id);
      if (cached == read.end()) {
        auto stored = Stored(id);
        if (!stored.ok()) return stored.status();
        cached = read.emplace(id, std::move(*stored)).first;
      }
      v1::Recommendation& recommendation = cached->second;
      if (!Live(recommendation.state()) || StillVouched(recommendation, changes[i].statement())) {
        continue;
      }
      const v1::Recommendation before = recommendation;
      recommendation.set_state(v1::RECOMMENDATION_STATE_STALE);
      *recommendation.mutable_update_time() = ToProto(absl::Now());
      recommendation.set_etag(NewEtag());
      write.PutRecommendation(recommendation, /*new_version=*/false, /*created=*/false, before);
      made_stale.insert(id);
    }
  }
  // The cursor moves in the same write: after a crash the changes are
  // either applied with their cursor, or replayed.
  write.SetTrustCursor(changes.back().cursor(), after_cursor);
  return store_->Apply(write);
}

}  // namespace trustsphere::recommendations
