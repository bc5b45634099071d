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

// Version 2 kept a copy of each access entry in every reader's log; those
// copies are still read, beside entries of version 3 kept once.
TEST(RocksDbRecommendationStoreTest, AccessEntriesOfVersionTwoAreStillListed) {
  testing::TempDir dir;
  auto entry = [](const std::string& share, int64_t seconds) {
    v1::AccessEntry access;
    access.set_share_id(share);
    access.mutable_time()->set_seconds(seconds);
    return access;
  };
  {
    storage::EngineOptions second;
    second.path = dir.Sub("v2");
    second.families = keys::FamilyNames();
    second.families.resize(keys::kAccessEntries);  // the second layout's families
    second.schema_version = 2;
    auto engine = storage::Engine::Open(second);
    ASSERT_TRUE(engine.ok()) << engine.status();
    storage::WriteBatch batch;
    for (int i = 1; i <= 2; ++i) {
      batch.Put(keys::kAccessLog, keys::Timeline("alice", i * 1000000, "acc_" + std::to_string(i)),
                entry("shr_" + std::to_string(i), i).SerializeAsString());
    }
    ASSERT_TRUE((*engine)->Write(std::move(batch)).ok());
  }
  auto store = RocksDbRecommendationStore::Open(dir.Sub("v2"), false);
  ASSERT_TRUE(store.ok()) << store.status();
  RecommendationWrite write;
  write.AppendAccess("alice", entry("shr_3", 3), "acc_3");
  write.AppendAccess("bob", entry("shr_3", 3), "acc_3");
  ASSERT_TRUE((*store)->Apply(write).ok());

  auto log = (*store)->AccessLog("alice", "", 10);
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_EQ(log->items.size(), 3u);
  EXPECT_EQ(log->items[0].share_id(), "shr_3");
  EXPECT_EQ(log->items[1].share_id(), "shr_2");
  EXPECT_EQ(log->items[2].share_id(), "shr_1");
  auto bobs = (*store)->AccessLog("bob", "", 10);
  ASSERT_TRUE(bobs.ok()) << bobs.status();
  ASSERT_EQ(bobs->items.size(), 1u);
  EXPECT_EQ(bobs->items[0].share_id(), "shr_3");
}

}  // namespace
}  // namespace trustsphere::recommendations
