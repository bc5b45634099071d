// recommendations_server end to end, with identity and relationships
// running for real behind it.

#include <thread>

#include "absl/time/clock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "tests/relationships_fixture.h"
#include "tests/support/offline_verification.h"
#include "tests/support/postgres_server.h"

namespace trustsphere::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
namespace cv1 = recommendations_v1;
using namespace std::chrono_literals;

// Every test runs over each storage of recommendations: RocksDB in the
// test's folder, and a fresh database on a throwaway PostgreSQL 15 of the
// test's process.
class RecommendationsTest : public RelationshipsTest,
                            public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    RelationshipsTest::SetUp();
    if (GetParam() == "postgres") {
      auto conninfo = FreshDatabase("recommendations");
      ASSERT_TRUE(conninfo.ok()) << conninfo.status();
      recommendations_flags_ = {"--storage=postgres", "--database_url=" + *conninfo};
    }
    ASSERT_TRUE(deployment_->StartRecommendations(recommendations_flags_));
    jacques_ = SignUp("jacques");
    martin_ = SignUp("martin");
    // The essay: Jacques vouches for Martin's negotiation, not his planning.
    Mutual(jacques_, martin_, {Tag("négociation")});
    Put(jacques_, martin_, {Tag("Négociation")}, {Tag("planning")});
  }

  cv1::RecommendationService::Stub& recs() { return deployment_->recommendations(); }

  std::vector<std::string> recommendations_flags_;

  cv1::Recommendation Write(const Account& author, const Account& subject,
                            std::vector<common::v1::Facet> facets, grpc::Status* status = nullptr,
                            cv1::Form form = cv1::FORM_WRITTEN) {
    cv1::WriteRecommendationRequest request;
    auto* recommendation = request.mutable_recommendation();
    recommendation->set_subject_id(subject.person.id());
    recommendation->set_form(form);
    if (form == cv1::FORM_WRITTEN) {
      recommendation->set_text("Martin negotiated our largest contract.");
    } else {
      recommendation->set_contact("+33 6 00 00 00 00");
      recommendation->set_availability("weekday evenings");
    }
    for (auto& facet : facets) *recommendation->add_facets() = facet;
    cv1::Recommendation written;
    grpc::Status result =
        recs().WriteRecommendation(Context(author.token).get(), request, &written);
    if (status != nullptr) {
      *status = result;
    } else {
      EXPECT_TRUE(result.ok()) << result.error_message();
    }
    return written;
  }

  grpc::StatusCode Publish(const Account& caller, const std::string& id) {
    cv1::PublishRecommendationRequest request;
    request.set_id(id);
    cv1::Recommendation published;
    return recs()
        .PublishRecommendation(Context(caller.token).get(), request, &published)
        .error_code();
  }

  cv1::CreateShareResponse Share(const Account& subject, std::vector<std::string> ids,
                                 absl::Duration lifetime = absl::Hours(24),
                                 grpc::Status* status = nullptr) {
    cv1::CreateShareRequest request;
    request.mutable_share()->set_recruiter("recruiter@acme.example");
    for (const auto& id : ids) request.mutable_share()->add_recommendation_ids(id);
    int64_t expire = absl::ToUnixSeconds(absl::Now() + lifetime);
    request.mutable_share()->mutable_expire_time()->set_seconds(expire);
    cv1::CreateShareResponse response;
    grpc::Status result = recs().CreateShare(Context(subject.token).get(), request, &response);
    if (status != nullptr) {
      *status = result;
    } else {
      EXPECT_TRUE(result.ok()) << result.error_message();
    }
    return response;
  }

  // The dossier behind a share token, read with no account at all.
  grpc::Status Dossier(const std::string& token, cv1::Dossier* dossier) {
    cv1::GetSharedDossierRequest request;
    request.set_token(token);
    return recs().GetSharedDossier(Context().get(), request, dossier);
  }

  cv1::RecommendationState StateOf(const Account& caller, const std::string& id) {
    cv1::GetRecommendationRequest request;
    request.set_id(id);
    cv1::Recommendation found;
    EXPECT_TRUE(recs().GetRecommendation(Context(caller.token).get(), request, &found).ok());
    return found.state();
  }

  // Waits (at most 10 s) for the watch to mark the recommendation stale.
  bool BecomesStale(const Account& caller, const std::string& id) {
    for (int i = 0; i < 200; ++i) {
      if (StateOf(caller, id) == cv1::RECOMMENDATION_STATE_STALE) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  Account jacques_;
  Account martin_;
};

// The whole story of the essay, in order.
TEST_P(RecommendationsTest, TheEssaysStoryFromRequestToRevocation) {
  // Martin asks Jacques; Jacques sees the request.
  cv1::RequestRecommendationRequest ask;
  ask.set_author_id(jacques_.person.id());
  *ask.add_facets() = Tag("negociation");
  ask.set_message("Could you speak of the Lyon contract?");
  cv1::RecommendationRequest asked;
  ASSERT_TRUE(recs().RequestRecommendation(Context(martin_.token).get(), ask, &asked).ok());
  cv1::ListRequestsRequest inbox;
  inbox.set_person_id(jacques_.person.id());
  cv1::ListRequestsResponse requests;
  ASSERT_TRUE(recs().ListRequests(Context(jacques_.token).get(), inbox, &requests).ok());
  ASSERT_EQ(requests.requests_size(), 1);
  EXPECT_EQ(requests.requests(0).subject_id(), martin_.person.id());

  // Planning is outside Jacques' sphere: refused, naming the facet.
  grpc::Status refused;
  Write(jacques_, martin_, {Tag("negociation"), Tag("Planning")}, &refused);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  google::rpc::Status rich;
  ASSERT_TRUE(rich.ParseFromString(refused.error_details()));
  google::rpc::PreconditionFailure failure;
  ASSERT_TRUE(rich.details(0).UnpackTo(&failure));
  ASSERT_EQ(failure.violations_size(), 1);
  EXPECT_EQ(failure.violations(0).subject(), "recommendation.facets[1]");

  // Negotiation is inside: written, answering the request.
  cv1::WriteRecommendationRequest write;
  write.mutable_recommendation()->set_subject_id(martin_.person.id());
  write.mutable_recommendation()->set_form(cv1::FORM_WRITTEN);
  write.mutable_recommendation()->set_text("Martin negotiated our largest contract.");
  *write.mutable_recommendation()->add_facets() = Tag("Négociation");
  write.set_answers_request_id(asked.id());
  cv1::Recommendation letter;
  ASSERT_TRUE(recs().WriteRecommendation(Context(jacques_.token).get(), write, &letter).ok());
  EXPECT_EQ(letter.state(), cv1::RECOMMENDATION_STATE_SUBMITTED);
  EXPECT_EQ(letter.author_id(), jacques_.person.id());
  cv1::ListRequestsRequest sent;
  sent.set_person_id(martin_.person.id());
  sent.set_sent(true);
  ASSERT_TRUE(recs().ListRequests(Context(martin_.token).get(), sent, &requests).ok());
  EXPECT_EQ(requests.requests(0).state(), cv1::REQUEST_STATE_FULFILLED);

  // Martin publishes and shares; a recruiter reads with the token alone.
  EXPECT_EQ(Publish(martin_, letter.id()), grpc::StatusCode::OK);
  cv1::CreateShareResponse share = Share(martin_, {letter.id()});
  EXPECT_GE(share.token().size(), 40u);
  cv1::Dossier dossier;
  ASSERT_TRUE(Dossier(share.token(), &dossier).ok());
  ASSERT_EQ(dossier.recommendations_size(), 1);
  EXPECT_EQ(dossier.recommendations(0).id(), letter.id());

  // The read is logged for Martin and for Jacques.
  for (const Account* person : {&martin_, &jacques_}) {
    cv1::ListAccessLogRequest log;
    log.set_person_id(person->person.id());
    cv1::ListAccessLogResponse entries;
    ASSERT_TRUE(recs().ListAccessLog(Context(person->token).get(), log, &entries).ok());
    ASSERT_EQ(entries.entries_size(), 1);
    EXPECT_EQ(entries.entries(0).recruiter(), "recruiter@acme.example");
    EXPECT_THAT(entries.entries(0).recommendation_ids(), ElementsAre(letter.id()));
  }

  // Jacques revokes: the very next dossier read no longer shows it, whatever
  // the change stream's lag, and the recommendation becomes stale.
  ASSERT_TRUE(Revoke(jacques_, martin_).ok());
  ASSERT_TRUE(Dossier(share.token(), &dossier).ok());
  EXPECT_THAT(dossier.recommendations(), IsEmpty());
  EXPECT_TRUE(BecomesStale(martin_, letter.id()));
}

TEST_P(RecommendationsTest, NarrowingTheSphereMakesItStale) {
  cv1::Recommendation letter = Write(jacques_, martin_, {Tag("negociation")});
  Put(jacques_, martin_, {Tag("rigour")}, {});  // negotiation left the sphere
  EXPECT_TRUE(BecomesStale(jacques_, letter.id()));
  // Widening it again does not revive it: the author writes a new version.
  Put(jacques_, martin_, {Tag("negociation")}, {});
  cv1::ReviseRecommendationRequest revise;
  revise.mutable_recommendation()->set_id(letter.id());
  cv1::GetRecommendationRequest get;
  get.set_id(letter.id());
  cv1::Recommendation stale;
  ASSERT_TRUE(recs().GetRecommendation(Context(jacques_.token).get(), get, &stale).ok());
  revise.mutable_recommendation()->set_etag(stale.etag());
  revise.mutable_recommendation()->set_text("Still true, and more.");
  revise.mutable_update_mask()->add_paths("text");
  cv1::Recommendation revised;
  ASSERT_TRUE(recs().ReviseRecommendation(Context(jacques_.token).get(), revise, &revised).ok());
  EXPECT_EQ(revised.state(), cv1::RECOMMENDATION_STATE_SUBMITTED);
  EXPECT_EQ(revised.version(), 2);
}

TEST_P(RecommendationsTest, NoTrustMeansNoRecommendation) {
  Account stranger = SignUp("stranger");
  grpc::Status status;
  Write(stranger, martin_, {Tag("negociation")}, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  Write(martin_, martin_, {Tag("negociation")}, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  Write(jacques_, martin_, {}, &status);
  EXPECT_THAT(ViolatedFields(status), ElementsAre("recommendation.facets"));
}

TEST_P(RecommendationsTest, EachPartyDoesOnlyWhatIsTheirs) {
  Account outsider = SignUp("outsider");
  cv1::Recommendation letter = Write(jacques_, martin_, {Tag("negociation")});

  // Unpublished: invisible to others.
  cv1::GetRecommendationRequest get;
  get.set_id(letter.id());
  cv1::Recommendation found;
  EXPECT_EQ(recs().GetRecommendation(Context(outsider.token).get(), get, &found).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Publish(outsider, letter.id()), grpc::StatusCode::NOT_FOUND);
  // Only the subject publishes; only the author withdraws.
  EXPECT_EQ(Publish(jacques_, letter.id()), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Publish(martin_, letter.id()), grpc::StatusCode::OK);
  EXPECT_TRUE(recs().GetRecommendation(Context(outsider.token).get(), get, &found).ok());

  cv1::WithdrawRecommendationRequest withdraw;
  withdraw.set_id(letter.id());
  withdraw.set_etag(found.etag());
  cv1::Recommendation withdrawn;
  EXPECT_EQ(recs()
                .WithdrawRecommendation(Context(martin_.token).get(), withdraw, &withdrawn)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(recs()
                .WithdrawRecommendation(Context(outsider.token).get(), withdraw, &withdrawn)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(
      recs().WithdrawRecommendation(Context(jacques_.token).get(), withdraw, &withdrawn).ok());
  // Final: neither published again nor revised.
  EXPECT_EQ(Publish(martin_, letter.id()), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(recs().GetRecommendation(Context(outsider.token).get(), get, &found).error_code(),
            grpc::StatusCode::NOT_FOUND);

  // Lists show others only what is published.
  cv1::ListRecommendationsRequest list;
  list.set_subject_id(martin_.person.id());
  cv1::ListRecommendationsResponse listed;
  ASSERT_TRUE(recs().ListRecommendations(Context(outsider.token).get(), list, &listed).ok());
  EXPECT_THAT(listed.recommendations(), IsEmpty());
  ASSERT_TRUE(recs().ListRecommendations(Context(martin_.token).get(), list, &listed).ok());
  EXPECT_EQ(listed.recommendations_size(), 1);
}

TEST_P(RecommendationsTest, OralContactsTravelOnlyInDossiers) {
  cv1::Recommendation oral =
      Write(jacques_, martin_, {Tag("negociation")}, nullptr, cv1::FORM_ORAL);
  EXPECT_EQ(oral.contact(), "+33 6 00 00 00 00");  // the author sees their own
  EXPECT_EQ(Publish(martin_, oral.id()), grpc::StatusCode::OK);
  cv1::GetRecommendationRequest get;
  get.set_id(oral.id());
  cv1::Recommendation seen;
  ASSERT_TRUE(recs().GetRecommendation(Context(martin_.token).get(), get, &seen).ok());
  EXPECT_TRUE(seen.contact().empty());
  EXPECT_EQ(seen.availability(), "weekday evenings");
  cv1::Dossier dossier;
  ASSERT_TRUE(Dossier(Share(martin_, {oral.id()}).token(), &dossier).ok());
  ASSERT_EQ(dossier.recommendations_size(), 1);
  EXPECT_EQ(dossier.recommendations(0).contact(), "+33 6 00 00 00 00");
}

TEST_P(RecommendationsTest, RevisionsKeepVersionsAndResetPublication) {
  cv1::Recommendation letter = Write(jacques_, martin_, {Tag("negociation")});
  ASSERT_EQ(Publish(martin_, letter.id()), grpc::StatusCode::OK);
  cv1::GetRecommendationRequest get;
  get.set_id(letter.id());
  cv1::Recommendation published;
  ASSERT_TRUE(recs().GetRecommendation(Context(jacques_.token).get(), get, &published).ok());

  cv1::ReviseRecommendationRequest revise;
  revise.mutable_recommendation()->set_id(letter.id());
  revise.mutable_recommendation()->set_etag(published.etag());
  revise.mutable_recommendation()->set_text("A second, longer letter.");
  revise.mutable_update_mask()->add_paths("text");
  cv1::Recommendation revised;
  EXPECT_EQ(
      recs().ReviseRecommendation(Context(martin_.token).get(), revise, &revised).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(recs().ReviseRecommendation(Context(jacques_.token).get(), revise, &revised).ok());
  EXPECT_EQ(revised.version(), 2);
  EXPECT_EQ(revised.state(), cv1::RECOMMENDATION_STATE_SUBMITTED);
  EXPECT_EQ(
      recs().ReviseRecommendation(Context(jacques_.token).get(), revise, &revised).error_code(),
      grpc::StatusCode::ABORTED);  // stale etag

  // Adding an outside facet in a revision is refused like a write.
  revise.mutable_recommendation()->set_etag(revised.etag());
  *revise.mutable_recommendation()->add_facets() = Tag("planning");
  revise.mutable_update_mask()->add_paths("facets");
  EXPECT_EQ(
      recs().ReviseRecommendation(Context(jacques_.token).get(), revise, &revised).error_code(),
      grpc::StatusCode::FAILED_PRECONDITION);

  cv1::ListRecommendationVersionsRequest versions;
  versions.set_id(letter.id());
  cv1::ListRecommendationVersionsResponse listed;
  ASSERT_TRUE(
      recs().ListRecommendationVersions(Context(martin_.token).get(), versions, &listed).ok());
  ASSERT_EQ(listed.versions_size(), 2);
  EXPECT_EQ(listed.versions(0).text(), "A second, longer letter.");
  EXPECT_EQ(listed.versions(1).text(), "Martin negotiated our largest contract.");
  Account outsider = SignUp("outsider");
  EXPECT_EQ(recs()
                .ListRecommendationVersions(Context(outsider.token).get(), versions, &listed)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_P(RecommendationsTest, SharesAreBoundedAndEndedTokensOpenNothing) {
  cv1::Recommendation letter = Write(jacques_, martin_, {Tag("negociation")});
  grpc::Status status;
  Share(martin_, {letter.id()}, absl::Hours(24), &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);  // not published
  ASSERT_EQ(Publish(martin_, letter.id()), grpc::StatusCode::OK);
  Share(martin_, {letter.id()}, absl::Hours(24 * 91), &status);
  EXPECT_THAT(ViolatedFields(status), ElementsAre("share.expire_time"));
  Share(jacques_, {letter.id()}, absl::Hours(24), &status);  // not Jacques' to share
  EXPECT_THAT(ViolatedFields(status), ElementsAre("share.recommendation_ids[0]"));

  cv1::CreateShareResponse share = Share(martin_, {letter.id()});
  cv1::Dossier dossier;
  ASSERT_TRUE(Dossier(share.token(), &dossier).ok());
  for (const std::string& guess : {share.token().substr(0, share.token().size() - 1),
                                   std::string(43, 'A'), std::string("not base64 !")}) {
    EXPECT_EQ(Dossier(guess, &dossier).error_code(), grpc::StatusCode::NOT_FOUND) << guess;
  }
  EXPECT_EQ(Dossier("", &dossier).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // Hiding takes it out of the dossier.
  cv1::HideRecommendationRequest hide;
  hide.set_id(letter.id());
  cv1::Recommendation hidden;
  ASSERT_TRUE(recs().HideRecommendation(Context(martin_.token).get(), hide, &hidden).ok());
  ASSERT_TRUE(Dossier(share.token(), &dossier).ok());
  EXPECT_THAT(dossier.recommendations(), IsEmpty());

  // Only the subject revokes; then the token opens nothing.
  cv1::RevokeShareRequest revoke;
  revoke.set_id(share.share().id());
  cv1::Share revoked;
  EXPECT_EQ(recs().RevokeShare(Context(jacques_.token).get(), revoke, &revoked).error_code(),
            grpc::StatusCode::NOT_FOUND);
  ASSERT_TRUE(recs().RevokeShare(Context(martin_.token).get(), revoke, &revoked).ok());
  EXPECT_EQ(Dossier(share.token(), &dossier).error_code(), grpc::StatusCode::NOT_FOUND);

  // An expired share opens nothing either.
  ASSERT_EQ(Publish(martin_, letter.id()), grpc::StatusCode::OK);
  cv1::CreateShareResponse brief = Share(martin_, {letter.id()}, absl::Seconds(2));
  EXPECT_TRUE(Dossier(brief.token(), &dossier).ok());
  grpc::StatusCode expired = grpc::StatusCode::OK;
  for (absl::Time until = absl::Now() + absl::Seconds(10);
       expired == grpc::StatusCode::OK && absl::Now() < until;
       absl::SleepFor(absl::Milliseconds(100))) {
    expired = Dossier(brief.token(), &dossier).error_code();
  }
  EXPECT_EQ(expired, grpc::StatusCode::NOT_FOUND);

  // Others cannot read Martin's access log.
  cv1::ListAccessLogRequest log;
  log.set_person_id(martin_.person.id());
  cv1::ListAccessLogResponse entries;
  EXPECT_EQ(recs().ListAccessLog(Context(jacques_.token).get(), log, &entries).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_P(RecommendationsTest, SignedExportsVerifyAndTamperingIsCaught) {
  cv1::Recommendation letter = Write(jacques_, martin_, {Tag("negociation")});
  cv1::ExportSignedRecommendationRequest exported;
  exported.set_id(letter.id());
  cv1::ExportSignedRecommendationResponse signed_letter;
  ASSERT_TRUE(
      recs()
          .ExportSignedRecommendation(Context(martin_.token).get(), exported, &signed_letter)
          .ok());
  auto verify = [&](const std::string& jws) {
    cv1::VerifyRecommendationRequest request;
    request.set_jws(jws);
    cv1::VerifyRecommendationResponse response;
    EXPECT_TRUE(recs().VerifyRecommendation(Context().get(), request, &response).ok());
    return response;
  };
  cv1::VerifyRecommendationResponse fine = verify(signed_letter.jws());
  EXPECT_TRUE(fine.valid());
  EXPECT_TRUE(fine.current());
  EXPECT_EQ(fine.current_version(), 1);

  // Any changed byte, in any part, is caught.
  const std::string& jws = signed_letter.jws();
  for (size_t at : {size_t{5}, jws.find('.') + 5, jws.rfind('.') + 5}) {
    std::string tampered = jws;
    tampered[at] = tampered[at] == 'A' ? 'B' : 'A';
    cv1::VerifyRecommendationResponse caught = verify(tampered);
    EXPECT_FALSE(caught.valid()) << at;
    EXPECT_FALSE(caught.reason().empty());
  }
  EXPECT_FALSE(verify("a.b.c").valid());

  // A newer version supersedes it; withdrawal shows.
  cv1::ReviseRecommendationRequest revise;
  revise.mutable_recommendation()->set_id(letter.id());
  revise.mutable_recommendation()->set_etag(letter.etag());
  revise.mutable_recommendation()->set_text("Version two.");
  revise.mutable_update_mask()->add_paths("text");
  cv1::Recommendation revised;
  ASSERT_TRUE(recs().ReviseRecommendation(Context(jacques_.token).get(), revise, &revised).ok());
  cv1::VerifyRecommendationResponse superseded = verify(jws);
  EXPECT_TRUE(superseded.valid());
  EXPECT_FALSE(superseded.current());
  EXPECT_EQ(superseded.reason(), "superseded by version 2");

  // Someone else may not export it.
  Account outsider = SignUp("outsider");
  EXPECT_EQ(recs()
                .ExportSignedRecommendation(Context(outsider.token).get(), exported, &signed_letter)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  // Verifiable offline with the published key and OpenSSL alone.
  cv1::GetPublicKeysResponse keys;
  ASSERT_TRUE(recs().GetPublicKeys(Context().get(), {}, &keys).ok());
  ASSERT_EQ(keys.keys(0).public_key().size(), 32u);
  EXPECT_TRUE(VerifyOffline(dir_, jws, keys.keys(0).public_key()).has_value());
  std::string tampered = jws;
  tampered[jws.find('.') + 5] = tampered[jws.find('.') + 5] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(VerifyOffline(dir_, tampered, keys.keys(0).public_key()).has_value());
}

TEST_P(RecommendationsTest, RelationshipsOutageWritesNothingAndShowsNothing) {
  cv1::Recommendation letter = Write(jacques_, martin_, {Tag("negociation")});
  ASSERT_EQ(Publish(martin_, letter.id()), grpc::StatusCode::OK);
  cv1::CreateShareResponse share = Share(martin_, {letter.id()});
  deployment_->StopRelationships(/*kill=*/true);

  grpc::Status status;
  Write(jacques_, martin_, {Tag("negociation")}, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  cv1::ListRecommendationsRequest list;
  list.set_author_id(jacques_.person.id());
  cv1::ListRecommendationsResponse listed;
  ASSERT_TRUE(recs().ListRecommendations(Context(jacques_.token).get(), list, &listed).ok());
  EXPECT_EQ(listed.recommendations_size(), 1);
  // A dossier cannot be confirmed: nothing is shown.
  cv1::Dossier dossier;
  EXPECT_EQ(Dossier(share.token(), &dossier).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_P(RecommendationsTest, TheWatchResumesAfterRestarts) {
  cv1::Recommendation letter = Write(jacques_, martin_, {Tag("negociation")});
  // Recommendations is down while the trust is revoked...
  deployment_->StopRecommendations(/*kill=*/true);
  ASSERT_TRUE(Revoke(jacques_, martin_).ok());
  // ... and relationships restarts too; the change is not lost.
  deployment_->RestartRelationships(/*kill=*/true);
  ASSERT_TRUE(deployment_->StartRecommendations(recommendations_flags_));
  EXPECT_TRUE(BecomesStale(jacques_, letter.id()));
}

INSTANTIATE_TEST_SUITE_P(Storage, RecommendationsTest, ::testing::Values("rocksdb", "postgres"));

}  // namespace
}  // namespace trustsphere::testing
