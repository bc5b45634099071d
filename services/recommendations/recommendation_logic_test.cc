// RecommendationLogic called directly, over a real RocksDB store in a
// temporary folder, identity and relationships in memory: the rules of
// requests, writing within the sphere, states, staleness and shares, in
// milliseconds. The server tests in tests/ prove the wiring.

#include "services/recommendations/recommendation_logic.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/core/proto_time.h"
#include "services/common/downstream/fake_identity_directory.h"
#include "services/recommendations/fake_trust_sources.h"
#include "services/recommendations/rocksdb_recommendation_store.h"
#include "services/recommendations/test_logic.h"
#include "services/recommendations/trust_change_consumer.h"
#include "tests/support/temp_dir.h"

namespace trustsphere::recommendations {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

common::v1::Facet Tag(const std::string& key) {
  common::v1::Facet facet;
  facet.set_kind(common::v1::FACET_KIND_COMPETENCY);
  facet.set_key(key);
  return facet;
}

Caller Person(const std::string& id) {
  return Caller{.person_id = id, .roles = static_cast<uint32_t>(Role::kUser)};
}

class RecommendationLogicTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* id : {"alice", "carol", "bob"}) identity_.AddPerson(id);
    // Carol vouches for Alice's negotiation, not her planning.
    trust_.State("carol", "alice", {Tag("negotiation")}, {Tag("planning")});
    Open();
  }

  void Open() {
    logic_.reset();
    auto logic = OpenTestLogic(dir_, &identity_, &trust_);
    ASSERT_TRUE(logic.ok()) << logic.status();
    logic_ = std::move(*logic);
  }

  v1::WriteRecommendationRequest Letter(std::vector<common::v1::Facet> facets,
                                        const std::string& subject = "alice") {
    v1::WriteRecommendationRequest request;
    request.mutable_recommendation()->set_subject_id(subject);
    request.mutable_recommendation()->set_form(v1::FORM_WRITTEN);
    request.mutable_recommendation()->set_text("Alice negotiated our largest contract.");
    for (auto& facet : facets) *request.mutable_recommendation()->add_facets() = facet;
    return request;
  }

  v1::Recommendation Written(std::vector<common::v1::Facet> facets = {Tag("negotiation")}) {
    auto written = logic_->WriteRecommendation(Person("carol"), Letter(std::move(facets)));
    EXPECT_TRUE(written.ok()) << written.status();
    return written.value_or(v1::Recommendation());
  }

  v1::Recommendation Published() {
    v1::Recommendation letter = Written();
    v1::PublishRecommendationRequest publish;
    publish.set_id(letter.id());
    auto published = logic_->PublishRecommendation(Person("alice"), publish);
    EXPECT_TRUE(published.ok()) << published.status();
    return published.value_or(v1::Recommendation());
  }

  absl::StatusOr<v1::RecommendationRequest> Ask(const std::string& subject,
                                                const std::string& author) {
    v1::RequestRecommendationRequest request;
    request.set_author_id(author);
    return logic_->RequestRecommendation(Person(subject), request);
  }

  v1::RecommendationState StateOf(const std::string& id) {
    v1::GetRecommendationRequest get;
    get.set_id(id);
    auto found = logic_->GetRecommendation(Person("carol"), get);
    EXPECT_TRUE(found.ok()) << found.status();
    return found.ok() ? found->state() : v1::RECOMMENDATION_STATE_UNSPECIFIED;
  }

  // The changes of the stream after `cursor`, up to the last one published.
  std::vector<rv1::TrustChange> ChangesAfter(const std::string& cursor) {
    auto stream = trust_.Follow(cursor);
    EXPECT_TRUE(stream.ok());
    std::vector<rv1::TrustChange> changes;
    rv1::TrustChange change;
    int next = cursor.empty() ? 0 : std::stoi(cursor);
    while (next < trust_.changes() && (*stream)->Read(&change)) {
      changes.push_back(change);
      next = std::stoi(change.cursor());
    }
    return changes;
  }

  // What has arrived since the saved cursor, applied as the consumer would.
  void ApplyNewChanges() {
    auto cursor = logic_->TrustCursor();
    ASSERT_TRUE(cursor.ok());
    ASSERT_TRUE(logic_->ApplyTrustChanges(ChangesAfter(*cursor), *cursor).ok());
  }

  testing::TempDir dir_;
  FakeIdentityDirectory identity_;
  FakeTrust trust_;
  std::unique_ptr<RecommendationLogic> logic_;
};

TEST_F(RecommendationLogicTest, OnlyFacetsInsideTheAuthorsSphereMayBeRecommended) {
  EXPECT_EQ(Written({Tag(" NEGOTIATION")}).state(), v1::RECOMMENDATION_STATE_SUBMITTED);
  auto outside = logic_->WriteRecommendation(Person("carol"), Letter({Tag("planning")}));
  EXPECT_TRUE(absl::IsFailedPrecondition(outside.status()));
  EXPECT_THAT(outside.status().message(), HasSubstr("planning is outside"));
  auto unstated = logic_->WriteRecommendation(Person("carol"), Letter({Tag("rigour")}));
  EXPECT_TRUE(absl::IsFailedPrecondition(unstated.status()));
  auto no_trust = logic_->WriteRecommendation(Person("bob"), Letter({Tag("negotiation")}));
  EXPECT_TRUE(absl::IsFailedPrecondition(no_trust.status()));
  EXPECT_THAT(no_trust.status().message(), HasSubstr("no active trust statement"));
  // Relationships down: nothing is written.
  trust_.SetUnavailable(true);
  EXPECT_TRUE(absl::IsUnavailable(
      logic_->WriteRecommendation(Person("carol"), Letter({Tag("negotiation")})).status()));
  trust_.SetUnavailable(false);
  v1::ListRecommendationsRequest list;
  list.set_author_id("carol");
  EXPECT_EQ(logic_->ListRecommendations(Person("carol"), list)->recommendations_size(), 1);
}

TEST_F(RecommendationLogicTest, ContentRulesDependOnTheForm) {
  v1::WriteRecommendationRequest oral = Letter({Tag("negotiation")});
  oral.mutable_recommendation()->set_form(v1::FORM_ORAL);
  EXPECT_TRUE(absl::IsInvalidArgument(logic_->WriteRecommendation(Person("carol"), oral).status()));
  oral.mutable_recommendation()->set_contact("+33 6 12 34 56 78");
  auto written = logic_->WriteRecommendation(Person("carol"), oral);
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(written->contact(), "+33 6 12 34 56 78");  // the author sees it
  v1::GetRecommendationRequest get;
  get.set_id(written->id());
  EXPECT_TRUE(logic_->GetRecommendation(Person("alice"), get)->contact().empty());
  v1::WriteRecommendationRequest letter = Letter({Tag("negotiation")});
  letter.mutable_recommendation()->set_contact("not for letters");
  EXPECT_TRUE(
      absl::IsInvalidArgument(logic_->WriteRecommendation(Person("carol"), letter).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      logic_->WriteRecommendation(Person("carol"), Letter({Tag("negotiation")}, "carol"))
          .status()));
}

TEST_F(RecommendationLogicTest, TheSubjectDecidesWhatOthersSee) {
  v1::Recommendation letter = Written();
  v1::GetRecommendationRequest get;
  get.set_id(letter.id());
  EXPECT_TRUE(absl::IsNotFound(logic_->GetRecommendation(Person("bob"), get).status()));
  v1::PublishRecommendationRequest publish;
  publish.set_id(letter.id());
  EXPECT_TRUE(
      absl::IsPermissionDenied(logic_->PublishRecommendation(Person("carol"), publish).status()));
  ASSERT_TRUE(logic_->PublishRecommendation(Person("alice"), publish).ok());
  EXPECT_TRUE(logic_->GetRecommendation(Person("bob"), get).ok());
  v1::HideRecommendationRequest hide;
  hide.set_id(letter.id());
  ASSERT_TRUE(logic_->HideRecommendation(Person("alice"), hide).ok());
  EXPECT_TRUE(absl::IsNotFound(logic_->GetRecommendation(Person("bob"), get).status()));
  v1::ListRecommendationsRequest list;
  list.set_subject_id("alice");
  EXPECT_EQ(logic_->ListRecommendations(Person("bob"), list)->recommendations_size(), 0);
  EXPECT_EQ(logic_->ListRecommendations(Person("alice"), list)->recommendations_size(), 1);
}

TEST_F(RecommendationLogicTest, ARevisionIsANewVersionAndAWithdrawalIsFinal) {
  v1::Recommendation letter = Published();
  v1::ReviseRecommendationRequest revise;
  *revise.mutable_recommendation() = letter;
  revise.mutable_recommendation()->set_text("Revised: a remarkable negotiator.");
  revise.mutable_update_mask()->add_paths("text");
  auto revised = logic_->ReviseRecommendation(Person("carol"), revise);
  ASSERT_TRUE(revised.ok()) << revised.status();
  EXPECT_EQ(revised->version(), 2);
  EXPECT_EQ(revised->state(), v1::RECOMMENDATION_STATE_SUBMITTED);
  // The old etag no longer works.
  EXPECT_TRUE(absl::IsAborted(logic_->ReviseRecommendation(Person("carol"), revise).status()));
  v1::ListRecommendationVersionsRequest versions;
  versions.set_id(letter.id());
  EXPECT_EQ(logic_->ListRecommendationVersions(Person("alice"), versions)->versions_size(), 2);
  v1::WithdrawRecommendationRequest withdraw;
  withdraw.set_id(letter.id());
  withdraw.set_etag(revised->etag());
  ASSERT_TRUE(logic_->WithdrawRecommendation(Person("carol"), withdraw).ok());
  v1::PublishRecommendationRequest publish;
  publish.set_id(letter.id());
  EXPECT_TRUE(
      absl::IsFailedPrecondition(logic_->PublishRecommendation(Person("alice"), publish).status()));
}

TEST_F(RecommendationLogicTest, TrustChangesMakeWhatReliedOnThemStale) {
  identity_.AddPerson("dan");
  trust_.State("dan", "alice", {Tag("negotiation"), Tag("rigour")});
  v1::Recommendation by_carol = Published();
  auto by_dan =
      logic_->WriteRecommendation(Person("dan"), Letter({Tag("negotiation"), Tag("rigour")}));
  ASSERT_TRUE(by_dan.ok()) << by_dan.status();

  // Dan narrows his sphere (rigour leaves it), Carol widens hers: only
  // Dan's recommendation relied on what changed.
  trust_.State("dan", "alice", {Tag("negotiation")});
  trust_.State("carol", "alice", {Tag("negotiation"), Tag("listening")});
  ApplyNewChanges();
  EXPECT_EQ(StateOf(by_carol.id()), v1::RECOMMENDATION_STATE_PUBLISHED);
  v1::GetRecommendationRequest get;
  get.set_id(by_dan->id());
  EXPECT_EQ(logic_->GetRecommendation(Person("dan"), get)->state(), v1::RECOMMENDATION_STATE_STALE);
  EXPECT_EQ(*logic_->TrustCursor(), std::to_string(trust_.changes()));
  // Revoked: Carol's goes stale too; applying every change again (at least
  // once delivery) changes nothing more.
  trust_.Revoke("carol", "alice");
  ApplyNewChanges();
  EXPECT_EQ(StateOf(by_carol.id()), v1::RECOMMENDATION_STATE_STALE);
  v1::GetRecommendationRequest get_carol;
  get_carol.set_id(by_carol.id());
  const std::string etag = logic_->GetRecommendation(Person("carol"), get_carol)->etag();
  ASSERT_TRUE(logic_->ApplyTrustChanges(ChangesAfter(""), "").ok());
  EXPECT_EQ(logic_->GetRecommendation(Person("carol"), get_carol)->etag(), etag);
}

TEST_F(RecommendationLogicTest, TheConsumerFollowsTheStreamAndResumesFromItsCursor) {
  v1::Recommendation letter = Published();
  {
    TrustChangeConsumer consumer(logic_.get(), &trust_);
    consumer.Start();
    trust_.Revoke("carol", "alice");
    // The consumer applies on its own thread: poll, within a deadline.
    for (absl::Time until = absl::Now() + absl::Seconds(30);
         StateOf(letter.id()) != v1::RECOMMENDATION_STATE_STALE && absl::Now() < until;) {
      absl::SleepFor(absl::Milliseconds(5));
    }
    EXPECT_EQ(StateOf(letter.id()), v1::RECOMMENDATION_STATE_STALE);
  }
  EXPECT_EQ(*logic_->TrustCursor(), std::to_string(trust_.changes()));
}

TEST_F(RecommendationLogicTest, OneOpenRequestPerAuthorAndABoundPerDay) {
  auto first = Ask("alice", "carol");
  ASSERT_TRUE(first.ok()) << first.status();
  auto again = Ask("alice", "carol");
  EXPECT_TRUE(absl::IsAlreadyExists(again.status()));
  EXPECT_THAT(again.status().message(), HasSubstr(first->id()));
  // Declined, it may be asked again.
  v1::DeclineRequestRequest decline;
  decline.set_id(first->id());
  ASSERT_TRUE(logic_->DeclineRequest(Person("carol"), decline).ok());
  ASSERT_TRUE(Ask("alice", "carol").ok());
  // Twenty requests a day, whoever they go to: two to Carol so far.
  for (int i = 2; i < RecommendationLogic::kMaxRequestsPerDay; ++i) {
    const std::string author = absl::StrCat("author", i);
    identity_.AddPerson(author);
    ASSERT_TRUE(Ask("alice", author).ok()) << i;
  }
  identity_.AddPerson("one_too_many");
  auto over = Ask("alice", "one_too_many");
  EXPECT_TRUE(absl::IsResourceExhausted(over.status())) << over.status();
  EXPECT_TRUE(Ask("bob", "one_too_many").ok());  // per subject
  EXPECT_TRUE(absl::IsNotFound(Ask("alice", "nobody").status()));
}

TEST_F(RecommendationLogicTest, AnAuthorBlocksARequester) {
  auto open = Ask("alice", "carol");
  ASSERT_TRUE(open.ok());
  v1::BlockRequesterRequest block;
  block.set_person_id("alice");
  auto blocked = logic_->BlockRequester(Person("carol"), block);
  ASSERT_TRUE(blocked.ok()) << blocked.status();
  EXPECT_EQ(blocked->person_id(), "alice");
  EXPECT_TRUE(logic_->BlockRequester(Person("carol"), block).ok());  // retries are harmless
  // The open request is declined with the block, and no new one is taken.
  v1::ListRequestsRequest sent;
  sent.set_person_id("alice");
  sent.set_sent(true);
  auto requests = logic_->ListRequests(Person("alice"), sent);
  ASSERT_EQ(requests->requests_size(), 1);
  EXPECT_EQ(requests->requests(0).state(), v1::REQUEST_STATE_DECLINED);
  EXPECT_TRUE(absl::IsPermissionDenied(Ask("alice", "carol").status()));
  EXPECT_TRUE(Ask("bob", "carol").ok());
  auto list = logic_->ListBlockedRequesters(Person("carol"), {});
  ASSERT_EQ(list->requesters_size(), 1);
  EXPECT_EQ(list->requesters(0).person_id(), "alice");
  EXPECT_EQ(logic_->ListBlockedRequesters(Person("alice"), {})->requesters_size(), 0);
  v1::UnblockRequesterRequest unblock;
  unblock.set_person_id("alice");
  ASSERT_TRUE(logic_->UnblockRequester(Person("carol"), unblock).ok());
  EXPECT_TRUE(Ask("alice", "carol").ok());
  block.set_person_id("carol");
  EXPECT_TRUE(absl::IsInvalidArgument(logic_->BlockRequester(Person("carol"), block).status()));
}

TEST_F(RecommendationLogicTest, ConcurrentRetriesOfOneWriteWriteOnce) {
  v1::WriteRecommendationRequest request = Letter({Tag("negotiation")});
  request.set_request_id("letter-1");
  std::vector<std::string> ids(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      auto written = logic_->WriteRecommendation(Person("carol"), request);
      ASSERT_TRUE(written.ok()) << written.status();
      ids[i] = written->id();
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_THAT(ids, ElementsAre(ids[0], ids[0], ids[0], ids[0]));
  v1::ListRecommendationsRequest list;
  list.set_author_id("carol");
  EXPECT_EQ(logic_->ListRecommendations(Person("carol"), list)->recommendations_size(), 1);
  // Normalised first: another spelling of the facet is the same request.
  request.mutable_recommendation()->mutable_facets(0)->set_key(" NEGOTIATION");
  EXPECT_EQ(logic_->WriteRecommendation(Person("carol"), request)->id(), ids[0]);
}

TEST_F(RecommendationLogicTest, ADossierShowsWhatIsStillVouchedForAndLogsTheRead) {
  v1::Recommendation letter = Published();
  v1::CreateShareRequest share;
  share.mutable_share()->set_recruiter("recrutement@acme.example");
  share.mutable_share()->add_recommendation_ids(letter.id());
  *share.mutable_share()->mutable_expire_time() = ToProto(absl::Now() + absl::Hours(1));
  auto shared = logic_->CreateShare(Person("alice"), share);
  ASSERT_TRUE(shared.ok()) << shared.status();
  EXPECT_TRUE(absl::IsInvalidArgument(logic_->CreateShare(Person("bob"), share).status()));

  v1::GetSharedDossierRequest read;
  read.set_token(shared->token());
  auto dossier = logic_->GetSharedDossier(Caller(), read);
  ASSERT_TRUE(dossier.ok()) << dossier.status();
  ASSERT_EQ(dossier->recommendations_size(), 1);
  EXPECT_EQ(dossier->recommendations(0).id(), letter.id());
  // Revoked at relationships: hidden at once, before the stream says so.
  trust_.Revoke("carol", "alice");
  dossier = logic_->GetSharedDossier(Caller(), read);
  EXPECT_THAT(dossier->recommendations(), IsEmpty());
  trust_.SetUnavailable(true);
  EXPECT_TRUE(absl::IsUnavailable(logic_->GetSharedDossier(Caller(), read).status()));
  trust_.SetUnavailable(false);

  v1::ListAccessLogRequest log;
  log.set_person_id("carol");
  auto author_log = logic_->ListAccessLog(Person("carol"), log);
  ASSERT_EQ(author_log->entries_size(), 1);  // the read that showed her letter
  log.set_person_id("alice");
  EXPECT_EQ(logic_->ListAccessLog(Person("alice"), log)->entries_size(), 2);
  EXPECT_TRUE(absl::IsPermissionDenied(logic_->ListAccessLog(Person("bob"), log).status()));

  v1::RevokeShareRequest revoke;
  revoke.set_id(shared->share().id());
  EXPECT_TRUE(absl::IsNotFound(logic_->RevokeShare(Person("bob"), revoke).status()));
  ASSERT_TRUE(logic_->RevokeShare(Person("alice"), revoke).ok());
  EXPECT_TRUE(absl::IsNotFound(logic_->GetSharedDossier(Caller(), read).status()));
  read.set_token(std::string(43, 'A'));
  EXPECT_TRUE(absl::IsNotFound(logic_->GetSharedDossier(Caller(), read).status()));
}

TEST_F(RecommendationLogicTest, ASignedExportVerifiesUntilItIsSuperseded) {
  v1::Recommendation letter = Published();
  v1::ExportSignedRecommendationRequest request;
  request.set_id(letter.id());
  auto exported = logic_->ExportSignedRecommendation(Person("alice"), request);
  ASSERT_TRUE(exported.ok()) << exported.status();
  v1::VerifyRecommendationRequest verify;
  verify.set_jws(exported->jws());
  auto verified = logic_->VerifyRecommendation(Caller(), verify);
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->valid());
  EXPECT_TRUE(verified->current());
  verify.set_jws(exported->jws() + "x");
  EXPECT_FALSE(logic_->VerifyRecommendation(Caller(), verify)->valid());
}

}  // namespace
}  // namespace trustsphere::recommendations
