#pragma once

// What every IdentityStore must do, as one parameterised suite that each
// implementation instantiates with a factory of fresh stores (see
// services/relationships/trust_store_conformance.h for the pattern).

#include "services/identity/identity_store.h"
#include "tests/support/store_conformance.h"

namespace trustsphere::identity {

class IdentityStoreConformance : public testing::StoreConformanceTest<IdentityStore> {
 protected:
  void Apply(const IdentityWrite& write);
};

}  // namespace trustsphere::identity
