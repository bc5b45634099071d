#include "services/identity/rocksdb_identity_store.h"

#include <gtest/gtest.h>

#include "services/identity/identity_store_conformance.h"

namespace trustsphere::identity {
namespace {

INSTANTIATE_TEST_SUITE_P(
    RocksDb, IdentityStoreConformance,
    ::testing::Values(testing::OpenUnsynced<IdentityStore, RocksDbIdentityStore>));

}  // namespace
}  // namespace trustsphere::identity
