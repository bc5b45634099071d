#include "services/identity/rocksdb_identity_store.h"

#include <gtest/gtest.h>

#include "services/identity/identity_store_conformance.h"

namespace trustsphere::identity {
namespace {

absl::StatusOr<std::unique_ptr<IdentityStore>> OpenRocksDb(const std::string& folder) {
  // Unsynced writes: these tests do not test durability (the crash tests do).
  auto store = RocksDbIdentityStore::Open(folder, /*sync_writes=*/false);
  if (!store.ok()) return store.status();
  return std::unique_ptr<IdentityStore>(std::move(*store));
}

INSTANTIATE_TEST_SUITE_P(RocksDb, IdentityStoreConformance, ::testing::Values(OpenRocksDb));

}  // namespace
}  // namespace trustsphere::identity
