#pragma once

// RecommendationLogic as the logic tests build it: over a RocksDB store in
// `dir` (async writes: these tests do not test durability), its page
// tokens and a signing key kept beside it.

#include <memory>
#include <string>

#include "services/common/auth/signing_key.h"
#include "services/recommendations/recommendation_logic.h"
#include "services/recommendations/rocksdb_recommendation_store.h"
#include "tests/support/temp_dir.h"

namespace trustsphere::recommendations {

inline absl::StatusOr<std::unique_ptr<RecommendationLogic>> OpenTestLogic(
    const testing::TempDir& dir, IdentityDirectory* identity, TrustOracle* trust) {
  auto store = RocksDbRecommendationStore::Open(dir.Sub("db"), /*sync_writes=*/false);
  if (!store.ok()) return store.status();
  auto page_tokens = PageTokenCodecFor(**store);
  if (!page_tokens.ok()) return page_tokens.status();
  auto key = LoadOrCreateSigningKey(dir.Sub("key.json"));
  if (!key.ok()) return key.status();
  return std::make_unique<RecommendationLogic>(std::move(*store), identity, trust,
                                               std::move(*page_tokens), *key);
}

}  // namespace trustsphere::recommendations
