// The recommendations store's conformance suite over PostgreSQL 15, each
// test on a fresh database of a throwaway server of its own process.

#include "services/recommendations/postgres_recommendation_store.h"

#include <gtest/gtest.h>

#include "absl/time/clock.h"

#include "services/recommendations/recommendation_store_conformance.h"
#include "tests/support/postgres_server.h"

namespace trustsphere::recommendations {
namespace {

absl::StatusOr<std::unique_ptr<RecommendationStore>> OpenOnPostgres(const std::string&) {
  auto conninfo = testing::FreshDatabase("recommendations");
  if (!conninfo.ok()) return conninfo.status();
  auto store = PostgresRecommendationStore::Open(std::make_unique<storage::postgres::PgPool>(
      storage::postgres::PgPoolOptions{.conninfo = *conninfo}));
  if (!store.ok()) return store.status();
  return std::unique_ptr<RecommendationStore>(std::move(*store));
}

INSTANTIATE_TEST_SUITE_P(Postgres, RecommendationStoreConformance,
                         ::testing::Values(OpenOnPostgres));

absl::StatusOr<std::unique_ptr<PostgresRecommendationStore>> OpenOn(const std::string& conninfo) {
  return PostgresRecommendationStore::Open(std::make_unique<storage::postgres::PgPool>(
      storage::postgres::PgPoolOptions{.conninfo = conninfo}));
}

// The stream's cursor moves only from where it was read: a consumer that
// read an older one (it lost its lease meanwhile) writes nothing.
TEST(PostgresRecommendationStoreTest, TheTrustCursorMovesOnlyFromWhereItWasRead) {
  auto conninfo = testing::FreshDatabase("cursor");
  ASSERT_TRUE(conninfo.ok()) << conninfo.status();
  auto store = OpenOn(*conninfo);
  ASSERT_TRUE(store.ok()) << store.status();
  auto move = [&](const std::string& to, const std::string& from) {
    RecommendationWrite write;
    write.SetTrustCursor(to, from);
    return (*store)->Apply(write);
  };
  ASSERT_TRUE(move("42", "").ok());
  EXPECT_TRUE(absl::IsAborted(move("43", "")));
  EXPECT_TRUE(absl::IsAborted(move("43", "41")));
  EXPECT_EQ(*(*store)->TrustCursor(), "42");
  EXPECT_TRUE(move("43", "42").ok());
  EXPECT_EQ(*(*store)->TrustCursor(), "43");
}

// One holder at a time; a holder that stops renewing loses the lease once
// it expires, one that releases it at once.
TEST(PostgresRecommendationStoreTest, OneConsumerHoldsTheLeaseUntilItStopsRenewing) {
  auto conninfo = testing::FreshDatabase("lease");
  ASSERT_TRUE(conninfo.ok()) << conninfo.status();
  auto one = OpenOn(*conninfo);
  auto other = OpenOn(*conninfo);
  ASSERT_TRUE(one.ok() && other.ok()) << one.status() << other.status();
  auto first = (*one)->ConsumerLeadership("first");
  auto second = (*other)->ConsumerLeadership("second");
  ASSERT_NE(first, nullptr);
  EXPECT_TRUE(*first->Hold());
  EXPECT_FALSE(*second->Hold());
  EXPECT_TRUE(*first->Hold());
  absl::SleepFor(first->ttl() + absl::Milliseconds(200));
  EXPECT_TRUE(*second->Hold());
  EXPECT_FALSE(*first->Hold());
  second->Release();
  EXPECT_TRUE(*first->Hold());
}

// Two replicas' logic read the same records; the write made from a state
// the other changed since is refused and leaves nothing, and so is a
// second open request of one pair.
TEST(PostgresRecommendationStoreTest, AWriteMadeFromAStaleReadWritesNothing) {
  auto conninfo = testing::FreshDatabase("stale");
  ASSERT_TRUE(conninfo.ok()) << conninfo.status();
  auto one = OpenOn(*conninfo);
  auto other = OpenOn(*conninfo);
  ASSERT_TRUE(one.ok() && other.ok()) << one.status() << other.status();
  auto apply = [](RecommendationStore& store, auto fill) {
    RecommendationWrite write;
    fill(write);
    return store.Apply(write);
  };
  v1::Recommendation letter;
  letter.set_id("rec_1");
  letter.set_author_id("carol");
  letter.set_subject_id("alice");
  letter.set_version(1);
  letter.set_state(v1::RECOMMENDATION_STATE_SUBMITTED);
  ASSERT_TRUE(
      apply(**one, [&](RecommendationWrite& w) { w.PutRecommendation(letter, true, true); }).ok());
  EXPECT_TRUE(absl::IsAborted(
      apply(**other, [&](RecommendationWrite& w) { w.PutRecommendation(letter, true, true); })));
  v1::Recommendation published = letter, withdrawn = letter;
  published.set_state(v1::RECOMMENDATION_STATE_PUBLISHED);
  withdrawn.set_state(v1::RECOMMENDATION_STATE_WITHDRAWN);
  ASSERT_TRUE(apply(**one, [&](RecommendationWrite& w) {
                w.PutRecommendation(published, false, false, letter);
              }).ok());
  EXPECT_TRUE(absl::IsAborted(apply(**other, [&](RecommendationWrite& w) {
    w.PutRecommendation(withdrawn, false, false, letter);
  })));
  EXPECT_EQ((*other)->Recommendation("rec_1")->value().state(), v1::RECOMMENDATION_STATE_PUBLISHED);

  auto ask = [](const std::string& id) {
    v1::RecommendationRequest request;
    request.set_id(id);
    request.set_subject_id("alice");
    request.set_author_id("carol");
    request.set_state(v1::REQUEST_STATE_OPEN);
    return request;
  };
  ASSERT_TRUE(apply(**one, [&](RecommendationWrite& w) { w.PutRequest(ask("req_1"), true); }).ok());
  EXPECT_TRUE(absl::IsAborted(
      apply(**other, [&](RecommendationWrite& w) { w.PutRequest(ask("req_2"), true); })));
  EXPECT_FALSE((*one)->Request("req_2")->has_value());
  EXPECT_EQ((*one)->OpenRequest("alice", "carol")->value().id(), "req_1");
}

}  // namespace
}  // namespace trustsphere::recommendations
