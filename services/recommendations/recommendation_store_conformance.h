#pragma once

// What every RecommendationStore must do, as one parameterised suite that
// each implementation instantiates with a factory of fresh stores (see
// trust_store_conformance.h for the pattern).

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "services/common/core/proto_time.h"
#include "services/recommendations/recommendation_store.h"
#include "tests/support/store_conformance.h"

namespace trustsphere::recommendations {

// What the store tests share.
// Timelines order by create time: each record is a second after the last.
inline google::protobuf::Timestamp At(int second) {
  return ToProto(absl::FromUnixSeconds(1764547200 + second));
}

inline v1::Recommendation Letter(
    const std::string& id, const std::string& author, const std::string& subject, int second,
    v1::RecommendationState state = v1::RECOMMENDATION_STATE_PUBLISHED) {
  v1::Recommendation recommendation;
  recommendation.set_id(id);
  recommendation.set_author_id(author);
  recommendation.set_subject_id(subject);
  recommendation.set_form(v1::FORM_WRITTEN);
  recommendation.set_text("text of " + id);
  recommendation.set_version(1);
  recommendation.set_state(state);
  *recommendation.mutable_create_time() = At(second);
  return recommendation;
}

inline v1::RecommendationRequest Ask(const std::string& id, const std::string& subject,
                                     const std::string& author, int second,
                                     v1::RequestState state = v1::REQUEST_STATE_OPEN) {
  v1::RecommendationRequest request;
  request.set_id(id);
  request.set_subject_id(subject);
  request.set_author_id(author);
  request.set_state(state);
  *request.mutable_create_time() = At(second);
  return request;
}

template <typename Item>
std::vector<std::string> Ids(const storage::Page<Item>& page) {
  std::vector<std::string> ids;
  for (const auto& item : page.items) ids.push_back(item.id());
  return ids;
}

class RecommendationStoreConformance : public testing::StoreConformanceTest<RecommendationStore> {
 protected:
  void Apply(const RecommendationWrite& write);
};

}  // namespace trustsphere::recommendations
