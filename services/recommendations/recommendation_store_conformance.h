#pragma once

// What every RecommendationStore must do, as one parameterised suite that
// each implementation instantiates with a factory of fresh stores (see
// trust_store_conformance.h for the pattern).

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "services/recommendations/recommendation_store.h"
#include "tests/support/temp_dir.h"

namespace trustsphere::recommendations {

using RecommendationStoreFactory =
    std::function<absl::StatusOr<std::unique_ptr<RecommendationStore>>(const std::string& folder)>;

class RecommendationStoreConformance : public ::testing::TestWithParam<RecommendationStoreFactory> {
 protected:
  void SetUp() override;
  void Apply(const RecommendationWrite& write);

  testing::TempDir dir_;
  std::unique_ptr<RecommendationStore> store_;
};

}  // namespace trustsphere::recommendations
