#pragma once

// What every IdentityStore must do, as one parameterised suite that each
// implementation instantiates with a factory of fresh stores (see
// services/relationships/trust_store_conformance.h for the pattern).

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "services/identity/identity_store.h"
#include "tests/support/temp_dir.h"

namespace trustsphere::identity {

using IdentityStoreFactory =
    std::function<absl::StatusOr<std::unique_ptr<IdentityStore>>(const std::string& folder)>;

class IdentityStoreConformance : public ::testing::TestWithParam<IdentityStoreFactory> {
 protected:
  void SetUp() override;
  void Apply(const IdentityWrite& write);

  testing::TempDir dir_;
  std::unique_ptr<IdentityStore> store_;
};

}  // namespace trustsphere::identity
