#pragma once

// What every RecommendationStore must do, as one parameterised suite that
// each implementation instantiates with a factory of fresh stores (see
// trust_store_conformance.h for the pattern).

#include "services/recommendations/recommendation_store.h"
#include "tests/support/store_conformance.h"

namespace trustsphere::recommendations {

class RecommendationStoreConformance : public testing::StoreConformanceTest<RecommendationStore> {
 protected:
  void Apply(const RecommendationWrite& write);
};

}  // namespace trustsphere::recommendations
