// What every RecommendationStore does with an erasure: part of
// RecommendationStoreConformance.

#include <gmock/gmock.h>

#include "services/recommendations/recommendation_store_conformance.h"

namespace trustsphere::recommendations {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

bool Any(const v1::Recommendation&) { return true; }

// A read of `subject`'s dossier that showed `shown` (recommendation id,
// author).
v1::AccessEntry Read(const std::string& subject, int second,
                     const std::vector<std::pair<std::string, std::string>>& shown) {
  v1::AccessEntry entry;
  *entry.mutable_time() = At(second);
  entry.set_share_id("shr_of_" + subject);
  entry.set_subject_id(subject);
  for (const auto& [id, author] : shown) {
    entry.add_recommendation_ids(id);
    v1::ShownRecommendation& one = *entry.add_shown();
    one.set_recommendation_id(id);
    one.set_author_id(author);
    one.set_version(1);
  }
  return entry;
}

std::vector<std::string> ShareIds(const storage::Page<v1::AccessEntry>& page) {
  std::vector<std::string> ids;
  for (const auto& entry : page.items) {
    std::string id = entry.share_id();
    for (const auto& shown : entry.shown()) id += " " + shown.recommendation_id();
    ids.push_back(id);
  }
  return ids;
}

}  // namespace

TEST_P(RecommendationStoreConformance, AnErasedRecordLeavesEveryListingWithItsVersions) {
  RecommendationWrite write;
  v1::Recommendation letter = Letter("rec_1", "martin", "alice", 1);
  write.PutRecommendation(letter, true, true);
  write.PutRecommendation(Letter("rec_2", "bob", "alice", 2), true, true);
  write.PutRequest(Ask("req_1", "alice", "martin", 3), true);
  write.PutRequest(Ask("req_2", "alice", "bob", 4), true);
  internal::ShareRecord share;
  share.mutable_share()->set_id("shr_1");
  share.mutable_share()->set_subject_id("martin");
  *share.mutable_share()->mutable_create_time() = At(5);
  share.set_token_hash(std::string(32, 'm'));
  write.PutShare(share, true);
  Apply(write);
  RecommendationWrite revised;
  letter.set_version(2);
  letter.set_text("revised text of rec_1");
  revised.PutRecommendation(letter, true, false);
  Apply(revised);
  ASSERT_EQ(store_->Versions("rec_1")->size(), 2u);

  RecommendationWrite erasure;
  erasure.EraseRecommendation(letter);
  erasure.EraseRequest(**store_->Request("req_1"));
  erasure.EraseShare(share);
  Apply(erasure);

  EXPECT_EQ(*store_->Recommendation("rec_1"), std::nullopt);
  EXPECT_THAT(*store_->Versions("rec_1"), IsEmpty());
  EXPECT_THAT(Ids(*store_->RecommendationsOfSubject("alice", "", 10, Any)), ElementsAre("rec_2"));
  EXPECT_THAT(Ids(*store_->RecommendationsByAuthor("martin", "", 10, Any)), IsEmpty());
  EXPECT_THAT(*store_->RecommendationIdsOfPair("martin", "alice"), IsEmpty());
  EXPECT_EQ(*store_->Request("req_1"), std::nullopt);
  EXPECT_THAT(Ids(*store_->RequestsFromSubject("alice", "", 10)), ElementsAre("req_2"));
  EXPECT_THAT(Ids(*store_->RequestsToAuthor("martin", "", 10)), IsEmpty());
  EXPECT_EQ(*store_->OpenRequest("alice", "martin"), std::nullopt);
  EXPECT_EQ(*store_->Share("shr_1"), std::nullopt);
  EXPECT_EQ(*store_->ShareByTokenHash(std::string(32, 'm')), std::nullopt);
  EXPECT_THAT(Ids(*store_->SharesOfSubject("martin", "", 10)), IsEmpty());
  // What others hold is untouched.
  EXPECT_TRUE(store_->Recommendation("rec_2")->has_value());
  EXPECT_EQ(store_->Versions("rec_2")->size(), 1u);
}

TEST_P(RecommendationStoreConformance, AnErasedPersonLeavesEveryAccessLog) {
  RecommendationWrite write;
  // martin's dossier read, showing alice's letter: in both their logs.
  const v1::AccessEntry of_martin = Read("martin", 1, {{"rec_a", "alice"}});
  write.AppendAccess("martin", of_martin, "acc_1");
  write.AppendAccess("alice", of_martin, "acc_1");
  // alice's dossier read, showing martin's and bob's letters.
  const v1::AccessEntry of_alice = Read("alice", 2, {{"rec_m", "martin"}, {"rec_b", "bob"}});
  for (const char* reader : {"alice", "martin", "bob"})
    write.AppendAccess(reader, of_alice, "acc_2");
  // bob's, which never concerned martin.
  const v1::AccessEntry of_bob = Read("bob", 3, {{"rec_c", "alice"}});
  for (const char* reader : {"bob", "alice"}) write.AppendAccess(reader, of_bob, "acc_3");
  Apply(write);

  auto first = store_->EraseAccessLog("martin", 1);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, 1);
  auto rest = store_->EraseAccessLog("martin", 10);
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_EQ(*rest, 1);
  EXPECT_EQ(*store_->EraseAccessLog("martin", 10), 0);

  EXPECT_THAT(ShareIds(*store_->AccessLog("martin", "", 10)), IsEmpty());
  EXPECT_THAT(ShareIds(*store_->AccessLog("alice", "", 10)),
              ElementsAre("shr_of_bob rec_c", "shr_of_alice rec_b"));
  EXPECT_THAT(ShareIds(*store_->AccessLog("bob", "", 10)),
              ElementsAre("shr_of_bob rec_c", "shr_of_alice rec_b"));
  auto alices = store_->AccessLog("alice", "", 10);
  EXPECT_THAT(alices->items[1].recommendation_ids(), ElementsAre("rec_b"));
}

TEST_P(RecommendationStoreConformance, EveryBlockOfAnErasedPersonGoes) {
  RecommendationWrite write;
  for (const char* author : {"alice", "bob"}) {
    for (const char* requester : {"martin", "martina", "carol"}) {
      v1::BlockedRequester blocked;
      blocked.set_person_id(requester);
      *blocked.mutable_create_time() = At(1);
      write.BlockRequester(author, blocked);
    }
  }
  Apply(write);
  auto erased = store_->EraseBlocksOf("martin");
  ASSERT_TRUE(erased.ok()) << erased.status();
  EXPECT_EQ(*erased, 2);
  for (const char* author : {"alice", "bob"}) {
    EXPECT_EQ(*store_->Blocked(author, "martin"), std::nullopt) << author;
    EXPECT_TRUE(store_->Blocked(author, "martina")->has_value()) << author;
    EXPECT_EQ(*store_->CountBlocked(author, 10), 2) << author;
  }
  EXPECT_EQ(*store_->EraseBlocksOf("martin"), 0);
}

TEST_P(RecommendationStoreConformance, AMarkerIsKeptUntilChanged) {
  EXPECT_EQ(*store_->Marker("follower"), "");
  ASSERT_TRUE(store_->SetMarker("follower", "cursor-1").ok());
  ASSERT_TRUE(store_->SetMarker("follower", "cursor-2").ok());
  EXPECT_EQ(*store_->Marker("follower"), "cursor-2");
  EXPECT_EQ(*store_->Marker("other"), "");
}

}  // namespace trustsphere::recommendations
