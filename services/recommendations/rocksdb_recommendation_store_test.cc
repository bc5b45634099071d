#include "services/recommendations/rocksdb_recommendation_store.h"

#include <gtest/gtest.h>

#include "services/recommendations/recommendation_store_conformance.h"
#include "services/recommendations/recommendations_keys.h"

namespace trustsphere::recommendations {
namespace {

INSTANTIATE_TEST_SUITE_P(
    RocksDb, RecommendationStoreConformance,
    ::testing::Values(testing::OpenUnsynced<RecommendationStore, RocksDbRecommendationStore>));

// A database of the first layout (no requests_by_pair, no blocks) gets its
// requests indexed by pair when it opens, so an open request is found.
TEST(RocksDbRecommendationStoreTest, AVersionOneDatabaseGetsItsRequestsIndexedAtOpen) {
  testing::TempDir dir;
  {
    storage::EngineOptions first;
    first.path = dir.Sub("v1");
    first.families = keys::FamilyNames();
    first.families.resize(keys::kRequestsByPair);  // the first layout's families
    first.schema_version = 1;
    auto engine = storage::Engine::Open(first);
    ASSERT_TRUE(engine.ok()) << engine.status();
    storage::WriteBatch batch;
    for (int i = 0; i < 1500; ++i) {  // more than one migration batch
      v1::RecommendationRequest request;
      request.set_id("req_" + std::to_string(i));
      request.set_subject_id("subject_" + std::to_string(i));
      request.set_author_id("carol");
      request.set_state(i == 7 ? v1::REQUEST_STATE_OPEN : v1::REQUEST_STATE_DECLINED);
      batch.Put(keys::kRequests, keys::Id(request.id()), request.SerializeAsString());
    }
    ASSERT_TRUE((*engine)->Write(std::move(batch)).ok());
  }
  auto store = RocksDbRecommendationStore::Open(dir.Sub("v1"), false);
  ASSERT_TRUE(store.ok()) << store.status();
  auto open = (*store)->OpenRequest("subject_7", "carol");
  ASSERT_TRUE(open.ok() && open->has_value()) << open.status();
  EXPECT_EQ((*open)->id(), "req_7");
  EXPECT_EQ(*(*store)->OpenRequest("subject_8", "carol"), std::nullopt);
  EXPECT_EQ(*(*store)->CountBlocked("carol", 10), 0);
}

}  // namespace
}  // namespace trustsphere::recommendations
