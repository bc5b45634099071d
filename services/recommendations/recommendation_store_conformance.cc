#include "services/recommendations/recommendation_store_conformance.h"

#include <gmock/gmock.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/core/proto_time.h"

namespace trustsphere::recommendations {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

bool Published(const v1::Recommendation& recommendation) {
  return recommendation.state() == v1::RECOMMENDATION_STATE_PUBLISHED;
}

}  // namespace

void RecommendationStoreConformance::Apply(const RecommendationWrite& write) {
  absl::Status applied = store_->Apply(write);
  ASSERT_TRUE(applied.ok()) << applied;
}

TEST_P(RecommendationStoreConformance, RecommendationsAreReadAloneAndInOrder) {
  EXPECT_EQ(*store_->Recommendation("rec_1"), std::nullopt);
  RecommendationWrite write;
  write.PutRecommendation(Letter("rec_1", "carol", "alice", 1), true, true);
  write.PutRecommendation(Letter("rec_2", "bob", "alice", 2), true, true);
  Apply(write);
  auto one = store_->Recommendation("rec_1");
  ASSERT_TRUE(one.ok() && one->has_value());
  EXPECT_EQ((*one)->text(), "text of rec_1");
  auto many = store_->Recommendations({"rec_2", "missing", "rec_1"});
  ASSERT_TRUE(many.ok());
  ASSERT_EQ(many->size(), 2u);
  EXPECT_EQ((*many)[0].id(), "rec_2");
  EXPECT_EQ((*many)[1].id(), "rec_1");
}

TEST_P(RecommendationStoreConformance, TimelinesListNewestFirstAndPageOverFilteredEntries) {
  RecommendationWrite write;
  for (int i = 0; i < 7; ++i) {
    // Every other one is hidden from this reader.
    write.PutRecommendation(
        Letter(absl::StrCat("rec_", i), i < 5 ? "carol" : "bob", "alice", i,
               i % 2 ? v1::RECOMMENDATION_STATE_HIDDEN : v1::RECOMMENDATION_STATE_PUBLISHED),
        true, true);
  }
  Apply(write);
  std::vector<std::string> seen;
  std::vector<size_t> sizes;
  std::string cursor;
  do {
    auto page = store_->RecommendationsOfSubject("alice", cursor, 2, Published);
    ASSERT_TRUE(page.ok()) << page.status();
    sizes.push_back(page->items.size());
    for (const auto& id : Ids(*page)) seen.push_back(id);
    cursor = page->next_cursor;
  } while (!cursor.empty());
  EXPECT_THAT(seen, ElementsAre("rec_6", "rec_4", "rec_2", "rec_0"));
  EXPECT_THAT(sizes, ElementsAre(2, 2));
  EXPECT_THAT(Ids(*store_->RecommendationsByAuthor("bob", "", 10, Published)),
              ElementsAre("rec_6"));
  EXPECT_THAT(*store_->RecommendationIdsOfPair("carol", "alice"),
              ::testing::UnorderedElementsAre("rec_0", "rec_1", "rec_2", "rec_3", "rec_4"));
  EXPECT_THAT(*store_->RecommendationIdsOfPair("alice", "carol"), IsEmpty());
}

TEST_P(RecommendationStoreConformance, VersionsAreKeptAndTheLatestStateReplacesTheRecord) {
  v1::Recommendation letter = Letter("rec_1", "carol", "alice", 1);
  RecommendationWrite first;
  first.PutRecommendation(letter, true, true);
  Apply(first);
  letter.set_version(2);
  letter.set_text("revised");
  RecommendationWrite second;
  second.PutRecommendation(letter, true, false);
  Apply(second);
  letter.set_state(v1::RECOMMENDATION_STATE_STALE);
  RecommendationWrite stale;
  stale.PutRecommendation(letter, false, false);
  Apply(stale);

  auto versions = store_->Versions("rec_1");
  ASSERT_TRUE(versions.ok());
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[0].version(), 2);
  EXPECT_EQ((*versions)[1].text(), "text of rec_1");
  EXPECT_EQ((*store_->Recommendation("rec_1"))->state(), v1::RECOMMENDATION_STATE_STALE);
  // Indexed once: still one entry in each timeline.
  EXPECT_THAT(
      Ids(*store_->RecommendationsOfSubject("alice", "", 10, [](const auto&) { return true; })),
      ElementsAre("rec_1"));
}

TEST_P(RecommendationStoreConformance, RequestsAreFoundByTimelinePairAndTime) {
  RecommendationWrite write;
  write.PutRequest(Ask("req_1", "alice", "carol", 1, v1::REQUEST_STATE_DECLINED), true);
  write.PutRequest(Ask("req_2", "alice", "carol", 2), true);
  write.PutRequest(Ask("req_3", "alice", "bob", 3), true);
  write.PutRequest(Ask("req_4", "bob", "carol", 4), true);
  Apply(write);
  EXPECT_THAT(Ids(*store_->RequestsFromSubject("alice", "", 10)),
              ElementsAre("req_3", "req_2", "req_1"));
  EXPECT_THAT(Ids(*store_->RequestsToAuthor("carol", "", 10)),
              ElementsAre("req_4", "req_2", "req_1"));
  auto open = store_->OpenRequest("alice", "carol");
  ASSERT_TRUE(open.ok() && open->has_value());
  EXPECT_EQ((*open)->id(), "req_2");
  EXPECT_EQ(*store_->OpenRequest("carol", "alice"), std::nullopt);

  // Answered, it is no longer open.
  RecommendationWrite fulfilled;
  fulfilled.PutRequest(Ask("req_2", "alice", "carol", 2, v1::REQUEST_STATE_FULFILLED), false);
  Apply(fulfilled);
  EXPECT_EQ(*store_->OpenRequest("alice", "carol"), std::nullopt);
  EXPECT_EQ((*store_->Request("req_2"))->state(), v1::REQUEST_STATE_FULFILLED);

  const absl::Time epoch = absl::FromUnixSeconds(1764547200);
  EXPECT_EQ(*store_->CountRequestsSince("alice", epoch + absl::Seconds(2), 10), 2);
  EXPECT_EQ(*store_->CountRequestsSince("alice", epoch, 10), 3);
  EXPECT_EQ(*store_->CountRequestsSince("alice", epoch, 2), 2);  // counts no further
  EXPECT_EQ(*store_->CountRequestsSince("alice", epoch + absl::Hours(1), 10), 0);
}

TEST_P(RecommendationStoreConformance, BlocksAreKeptPagedCountedAndLifted) {
  RecommendationWrite write;
  for (const char* requester : {"dan", "bob", "eve"}) {
    v1::BlockedRequester blocked;
    blocked.set_person_id(requester);
    *blocked.mutable_create_time() = At(1);
    write.BlockRequester("carol", blocked);
  }
  Apply(write);
  EXPECT_TRUE(store_->Blocked("carol", "bob")->has_value());
  EXPECT_FALSE(store_->Blocked("bob", "carol")->has_value());
  EXPECT_EQ(*store_->CountBlocked("carol", 10), 3);
  EXPECT_EQ(*store_->CountBlocked("carol", 2), 2);
  auto first = store_->BlockedRequesters("carol", "", 2);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->items.size(), 2u);
  EXPECT_EQ(first->items[0].person_id(), "bob");
  EXPECT_EQ(first->items[1].person_id(), "dan");
  auto rest = store_->BlockedRequesters("carol", first->next_cursor, 2);
  ASSERT_EQ(rest->items.size(), 1u);
  EXPECT_EQ(rest->items[0].person_id(), "eve");
  EXPECT_TRUE(rest->next_cursor.empty());

  RecommendationWrite lift;
  lift.UnblockRequester("carol", "bob");
  Apply(lift);
  EXPECT_FALSE(store_->Blocked("carol", "bob")->has_value());
  EXPECT_EQ(*store_->CountBlocked("carol", 10), 2);
}

TEST_P(RecommendationStoreConformance, SharesAreFoundByIdTokenAndSubject) {
  RecommendationWrite write;
  for (int i = 0; i < 3; ++i) {
    internal::ShareRecord record;
    record.mutable_share()->set_id(absl::StrCat("shr_", i));
    record.mutable_share()->set_subject_id("alice");
    *record.mutable_share()->mutable_create_time() = At(i);
    record.set_token_hash(std::string(32, static_cast<char>('a' + i)));
    write.PutShare(record, true);
  }
  Apply(write);
  EXPECT_EQ((*store_->Share("shr_1"))->token_hash(), std::string(32, 'b'));
  EXPECT_EQ((*store_->ShareByTokenHash(std::string(32, 'c')))->share().id(), "shr_2");
  EXPECT_EQ(*store_->ShareByTokenHash(std::string(32, 'z')), std::nullopt);
  EXPECT_THAT(Ids(*store_->SharesOfSubject("alice", "", 10)),
              ElementsAre("shr_2", "shr_1", "shr_0"));
  // A revocation replaces the record, not the indexes.
  internal::ShareRecord revoked = **store_->Share("shr_0");
  *revoked.mutable_share()->mutable_revoke_time() = At(9);
  RecommendationWrite revoke;
  revoke.PutShare(revoked, false);
  Apply(revoke);
  EXPECT_TRUE((*store_->ShareByTokenHash(std::string(32, 'a')))->share().has_revoke_time());
}

TEST_P(RecommendationStoreConformance, TheAccessLogListsEachPersonsReadsNewestFirst) {
  RecommendationWrite write;
  for (int i = 0; i < 3; ++i) {
    v1::AccessEntry entry;
    *entry.mutable_time() = At(i);
    entry.set_share_id(absl::StrCat("shr_", i));
    write.AppendAccess("alice", entry, absl::StrCat("acc_", i));
    if (i == 1) write.AppendAccess("carol", entry, absl::StrCat("acc_", i));
  }
  Apply(write);
  auto log = store_->AccessLog("alice", "", 2);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->items.size(), 2u);
  EXPECT_EQ(log->items[0].share_id(), "shr_2");
  auto rest = store_->AccessLog("alice", log->next_cursor, 2);
  ASSERT_EQ(rest->items.size(), 1u);
  EXPECT_EQ(rest->items[0].share_id(), "shr_0");
  EXPECT_EQ(store_->AccessLog("carol", "", 10)->items.size(), 1u);
}

TEST_P(RecommendationStoreConformance, OneWriteAppliesEveryPartTogether) {
  EXPECT_EQ(*store_->TrustCursor(), "");
  const RequestKey key{"carol", "WriteRecommendation", "retry-1"};
  RecommendationWrite write;
  v1::Recommendation stale = Letter("rec_1", "carol", "alice", 1);
  write.PutRecommendation(stale, true, true);
  write.PutRequest(Ask("req_1", "alice", "carol", 1, v1::REQUEST_STATE_FULFILLED), true);
  write.SetTrustCursor("42", "");
  write.RecordRequest(RequestRecord{.key = key,
                                    .fingerprint = "fp",
                                    .response = "rec_1",
                                    .create_time = absl::FromUnixSeconds(1764547200)});
  Apply(write);
  EXPECT_EQ(*store_->TrustCursor(), "42");
  EXPECT_TRUE(store_->Recommendation("rec_1")->has_value());
  EXPECT_TRUE(store_->Request("req_1")->has_value());
  auto record = store_->FindRequest(key);
  ASSERT_TRUE(record.ok() && record->has_value());
  EXPECT_EQ((*record)->response, "rec_1");
  EXPECT_EQ((*record)->fingerprint, "fp");
  EXPECT_EQ((*record)->create_time, absl::FromUnixSeconds(1764547200));
  EXPECT_EQ(*store_->FindRequest({"alice", "WriteRecommendation", "retry-1"}), std::nullopt);
}

TEST_P(RecommendationStoreConformance, ASecretIsKeptOnceAndForAll) {
  EXPECT_EQ(*store_->KeepSecret("service/test_secret", "first"), "first");
  EXPECT_EQ(*store_->KeepSecret("service/test_secret", "second"), "first");
}

}  // namespace trustsphere::recommendations
