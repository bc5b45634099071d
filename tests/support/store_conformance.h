#pragma once

// What every store's conformance suite shares: the suite is parameterised
// by a factory of fresh, empty stores, and each test gets one whose data
// lives in its own temporary folder.

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "tests/support/temp_dir.h"

namespace trustsphere::testing {

template <typename Store>
using StoreFactory =
    std::function<absl::StatusOr<std::unique_ptr<Store>>(const std::string& folder)>;

template <typename Store>
class StoreConformanceTest : public ::testing::TestWithParam<StoreFactory<Store>> {
 protected:
  void SetUp() override {
    auto store = this->GetParam()(dir_.Sub("store"));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

// A StoreFactory of RocksDB stores (`RocksDbStore::Open(folder,
// sync_writes)`) with unsynced writes: conformance does not test
// durability (the crash tests do).
template <typename Store, typename RocksDbStore>
absl::StatusOr<std::unique_ptr<Store>> OpenUnsynced(const std::string& folder) {
  auto store = RocksDbStore::Open(folder, /*sync_writes=*/false);
  if (!store.ok()) return store.status();
  return std::unique_ptr<Store>(std::move(*store));
}

}  // namespace trustsphere::testing
