// The dossier a recruiter reads with a share token alone, over the three
// real servers: every name, headline, relation, position and facet spelling
// read from identity and relationships at read time; nothing of a
// statement beyond the relation; erasure; letters verified offline with the
// published key; an identity outage showing nothing; the access log, also
// across a kill of the server.

#include <thread>

#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"
#include "tests/relationships_fixture.h"
#include "tests/support/database_contents.h"
#include "tests/support/offline_verification.h"
#include "tests/support/wait_until.h"

namespace trustsphere::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
namespace cv1 = recommendations_v1;
using namespace std::chrono_literals;

// The payload the script prints when it accepts the JWS, nullopt when it
// refuses it.
std::optional<nlohmann::json> VerifiedOffline(const TempDir& dir, const std::string& jws,
                                              const std::string& key) {
  std::optional<std::string> printed = VerifyOffline(dir, jws, key);
  if (!printed) return std::nullopt;
  return nlohmann::json::parse(*printed, nullptr, /*allow_exceptions=*/false);
}

common::v1::Facet Quality(const std::string& key) {
  return Tag(key, common::v1::FACET_KIND_QUALITY);
}

class SharedDossierTest : public RelationshipsTest {
 protected:
  void SetUp() override {
    RelationshipsTest::SetUp();
    ASSERT_TRUE(deployment_->StartRecommendations());
    jacques_ = Person("Jacques Dupont", "jacques@example.fr", "Directeur commercial");
    martin_ = Person("Martin Durand", "martin@example.fr", "Négociateur grands comptes");
    jacques_position_ = Hold(jacques_, "Société Générale", "Directeur commercial", 2008, 2019);
    martin_position_ = Hold(martin_, "SOCIETE GENERALE", "Chargé d'affaires", 2012, 2018);

    // Jacques vouches for Martin's negotiation and loyalty and for his
    // years as an account manager, not for his project planning, and keeps
    // a note to himself.
    rv1::PutTrustRequest put;
    rv1::TrustStatement& statement = *put.mutable_statement();
    statement.set_trustee_id(martin_.person.id());
    statement.add_roles(rv1::ROLE_DIRECT_REPORT);
    statement.add_context_position_ids(jacques_position_.id());
    statement.add_context_position_ids(martin_position_.id());
    *statement.mutable_sphere()->add_inside() = Tag("Négociation");
    *statement.mutable_sphere()->add_inside() = Quality("Loyauté");
    *statement.mutable_sphere()->add_inside() = Function(martin_position_.id());
    *statement.mutable_sphere()->add_outside() = Tag("Planification de projet");
    statement.set_note("Ne pas lui confier le planning.");
    statement_ = PutRequest(jacques_, put);
    ASSERT_TRUE(VocabularyHas(Tag("negociation"), "Négociation"));
  }

  cv1::RecommendationService::Stub& recs() { return deployment_->recommendations(); }

  Account Person(const std::string& name, const std::string& email, const std::string& headline) {
    Account account = testing::SignUp(ident(), name, email);
    iv1::UpdatePersonRequest update;
    update.mutable_person()->set_id(account.person.id());
    update.mutable_person()->set_etag(account.person.etag());
    update.mutable_person()->set_headline(headline);
    update.mutable_update_mask()->add_paths("headline");
    grpc::Status status =
        ident().UpdatePerson(Context(account.token).get(), update, &account.person);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return account;
  }

  iv1::Position Hold(const Account& account, const std::string& organization,
                     const std::string& title, int start_year, int end_year) {
    iv1::AddPositionRequest request;
    request.set_person_id(account.person.id());
    iv1::Position& position = *request.mutable_position();
    position.set_kind(iv1::POSITION_KIND_EMPLOYMENT);
    position.set_organization(organization);
    position.set_title(title);
    position.mutable_period()->mutable_start()->set_year(start_year);
    position.mutable_period()->mutable_start()->set_month(9);
    position.mutable_period()->mutable_end()->set_year(end_year);
    position.mutable_period()->mutable_end()->set_month(6);
    iv1::Position added;
    grpc::Status status = ident().AddPosition(Context(account.token).get(), request, &added);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return added;
  }

  // Relationships records the tags a statement uses in identity's
  // vocabulary about a second later: waits (at most 10 s) for it.
  bool VocabularyHas(const common::v1::Facet& facet, const std::string& display_name) {
    iv1::BatchGetTagsRequest request;
    *request.add_facets() = facet;
    for (int i = 0; i < 200; ++i) {
      iv1::BatchGetTagsResponse response;
      if (ident().BatchGetTags(Context(martin_.token).get(), request, &response).ok() &&
          response.tags_size() == 1) {
        return response.tags(0).display_name() == display_name;
      }
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  // Written by `author` about Martin and published by him.
  cv1::Recommendation Published(const Account& author, std::vector<common::v1::Facet> facets,
                                std::vector<std::string> context_position_ids = {},
                                cv1::Form form = cv1::FORM_WRITTEN) {
    cv1::WriteRecommendationRequest write;
    cv1::Recommendation& recommendation = *write.mutable_recommendation();
    recommendation.set_subject_id(martin_.person.id());
    recommendation.set_form(form);
    if (form == cv1::FORM_WRITTEN) {
      recommendation.set_text("Martin a négocié nos plus grands contrats avec calme et précision.");
    } else {
      recommendation.set_contact("+33 6 12 34 56 78");
      recommendation.set_availability("en semaine, après 18 h");
    }
    for (auto& facet : facets) *recommendation.add_facets() = facet;
    for (auto& id : context_position_ids) recommendation.add_context_position_ids(id);
    cv1::Recommendation written;
    grpc::Status status = recs().WriteRecommendation(Context(author.token).get(), write, &written);
    EXPECT_TRUE(status.ok()) << status.error_message();
    cv1::PublishRecommendationRequest publish;
    publish.set_id(written.id());
    cv1::Recommendation published;
    status = recs().PublishRecommendation(Context(martin_.token).get(), publish, &published);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return published;
  }

  std::string Share(const std::vector<cv1::Recommendation>& recommendations) {
    cv1::CreateShareRequest request;
    request.mutable_share()->set_recruiter("recrutement@acme.example");
    for (const auto& recommendation : recommendations) {
      request.mutable_share()->add_recommendation_ids(recommendation.id());
    }
    request.mutable_share()->mutable_expire_time()->set_seconds(
        absl::ToUnixSeconds(absl::Now() + absl::Hours(24)));
    cv1::CreateShareResponse response;
    grpc::Status status = recs().CreateShare(Context(martin_.token).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.token();
  }

  // Read with no account at all.
  grpc::Status Dossier(const std::string& token, cv1::Dossier* dossier) {
    cv1::GetSharedDossierRequest request;
    request.set_token(token);
    return recs().GetSharedDossier(Context().get(), request, dossier);
  }

  std::vector<cv1::AccessEntry> AccessLogOf(const Account& person) {
    cv1::ListAccessLogRequest request;
    request.set_person_id(person.person.id());
    cv1::ListAccessLogResponse response;
    grpc::Status status = recs().ListAccessLog(Context(person.token).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.entries().begin(), response.entries().end()};
  }

  void Delete(const Account& account) {
    iv1::GetPersonRequest get;
    get.set_id(account.person.id());
    iv1::Person current;
    ASSERT_TRUE(ident().GetPerson(Context(account.token).get(), get, &current).ok());
    iv1::DeletePersonRequest erase;
    erase.set_id(current.id());
    erase.set_etag(current.etag());
    google::protobuf::Empty erased;
    ASSERT_TRUE(ident().DeletePerson(Context(account.token).get(), erase, &erased).ok());
  }

  Account jacques_;
  Account martin_;
  iv1::Position jacques_position_;
  iv1::Position martin_position_;
  rv1::TrustStatement statement_;
};

TEST_F(SharedDossierTest, ARecruiterReadsWhoVouchesFromWhereAndForWhat) {
  cv1::Recommendation letter = Published(
      jacques_, {Tag("négociation"), Function(martin_position_.id())}, {martin_position_.id()});
  cv1::Dossier dossier;
  grpc::Status read = Dossier(Share({letter}), &dossier);
  ASSERT_TRUE(read.ok()) << read.error_message();

  EXPECT_EQ(dossier.subject().display_name(), "Martin Durand");
  EXPECT_EQ(dossier.subject().headline(), "Négociateur grands comptes");
  ASSERT_EQ(dossier.entries_size(), 1);
  const cv1::DossierRecommendation& entry = dossier.entries(0);
  EXPECT_EQ(entry.recommendation().id(), letter.id());
  EXPECT_EQ(entry.recommendation().text(),
            "Martin a négocié nos plus grands contrats avec calme et précision.");
  EXPECT_EQ(entry.author().person_id(), jacques_.person.id());
  EXPECT_EQ(entry.author().display_name(), "Jacques Dupont");
  EXPECT_EQ(entry.author().headline(), "Directeur commercial");

  // The relation as Jacques stated it, both sides' positions, and since when.
  EXPECT_THAT(entry.relation().roles(), ElementsAre(rv1::ROLE_DIRECT_REPORT));
  EXPECT_EQ(entry.relation().trusted_since().seconds(), statement_.create_time().seconds());
  EXPECT_GT(entry.relation().trusted_since().seconds(), 0);
  ASSERT_EQ(entry.relation().context_positions_size(), 2);
  EXPECT_EQ(entry.relation().context_positions(0).person_id(), jacques_.person.id());
  EXPECT_EQ(entry.relation().context_positions(0).organization(), "Société Générale");
  EXPECT_EQ(entry.relation().context_positions(0).title(), "Directeur commercial");
  EXPECT_EQ(entry.relation().context_positions(0).period().start().year(), 2008);
  EXPECT_EQ(entry.relation().context_positions(0).period().end().year(), 2019);
  EXPECT_EQ(entry.relation().context_positions(1).person_id(), martin_.person.id());
  EXPECT_EQ(entry.relation().context_positions(1).title(), "Chargé d'affaires");
  EXPECT_EQ(entry.relation().context_positions(1).kind(), iv1::POSITION_KIND_EMPLOYMENT);

  // Facets spelt as identity's vocabulary recorded them, and a FUNCTION as
  // the position it names.
  ASSERT_EQ(entry.facets_size(), 2);
  EXPECT_EQ(entry.facets(0).facet().key(), "negociation");
  EXPECT_EQ(entry.facets(0).display_name(), "Négociation");
  EXPECT_EQ(entry.facets(1).facet().kind(), common::v1::FACET_KIND_FUNCTION);
  EXPECT_EQ(entry.facets(1).display_name(), "Chargé d'affaires, SOCIETE GENERALE");
  EXPECT_EQ(entry.facets(1).position().period().start().year(), 2012);
  ASSERT_EQ(entry.context_positions_size(), 1);
  EXPECT_EQ(entry.context_positions(0).position_id(), martin_position_.id());

  // Nothing else of Jacques' statement: not its note, not the rest of its
  // sphere (loyalty inside, planning outside).
  const std::string bytes = dossier.SerializeAsString();
  EXPECT_THAT(bytes, Not(HasSubstr("Ne pas lui confier")));
  EXPECT_THAT(bytes, Not(HasSubstr("Loyaut")));
  EXPECT_THAT(bytes, Not(HasSubstr("loyaute")));
  EXPECT_THAT(bytes, Not(HasSubstr("lanification")));
}

TEST_F(SharedDossierTest, EveryLetterVerifiesOfflineWithThePublishedKey) {
  cv1::Recommendation letter = Published(jacques_, {Tag("negociation")});
  cv1::Dossier dossier;
  ASSERT_TRUE(Dossier(Share({letter}), &dossier).ok());
  EXPECT_EQ(dossier.signature_keys().public_keys_method(),
            "trustsphere.recommendations.v1.RecommendationService/GetPublicKeys");
  cv1::GetPublicKeysResponse keys;
  ASSERT_TRUE(recs().GetPublicKeys(Context().get(), {}, &keys).ok());
  const cv1::PublicKey* key = nullptr;
  for (const auto& candidate : keys.keys()) {
    if (candidate.key_id() == dossier.signature_keys().key_id()) key = &candidate;
  }
  ASSERT_NE(key, nullptr) << "the dossier names a key GetPublicKeys does not list";

  const std::string& jws = dossier.entries(0).signed_recommendation();
  std::optional<nlohmann::json> payload = VerifiedOffline(dir_, jws, key->public_key());
  ASSERT_TRUE(payload.has_value());
  EXPECT_EQ((*payload)["id"], letter.id());
  EXPECT_EQ((*payload)["author"]["name"], "Jacques Dupont");
  EXPECT_EQ((*payload)["subject"]["name"], "Martin Durand");
  EXPECT_EQ((*payload)["text"], letter.text());
  std::string tampered = jws;
  tampered[jws.find('.') + 5] = tampered[jws.find('.') + 5] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(VerifiedOffline(dir_, tampered, key->public_key()).has_value());
  // And online, for those who prefer to ask.
  cv1::VerifyRecommendationRequest verify;
  verify.set_jws(jws);
  cv1::VerifyRecommendationResponse verified;
  ASSERT_TRUE(recs().VerifyRecommendation(Context().get(), verify, &verified).ok());
  EXPECT_TRUE(verified.current());
}

TEST_F(SharedDossierTest, ARenamedAuthorShowsTheirNameAndADeletedOneDropsOut) {
  Account claire = Person("Claire Petit", "claire@example.fr", "Acheteuse");
  Put(claire, martin_, {Tag("négociation")});
  cv1::Recommendation letter = Published(jacques_, {Tag("negociation")});
  cv1::Recommendation oral = Published(claire, {Tag("negociation")}, {}, cv1::FORM_ORAL);
  const std::string token = Share({letter, oral});
  cv1::Dossier dossier;
  ASSERT_TRUE(Dossier(token, &dossier).ok());
  ASSERT_EQ(dossier.entries_size(), 2);
  EXPECT_EQ(dossier.entries(1).recommendation().contact(), "+33 6 12 34 56 78");
  EXPECT_EQ(dossier.entries(1).recommendation().availability(), "en semaine, après 18 h");

  iv1::GetPersonRequest get;
  get.set_id(jacques_.person.id());
  iv1::Person current;
  ASSERT_TRUE(ident().GetPerson(Context(jacques_.token).get(), get, &current).ok());
  iv1::UpdatePersonRequest rename;
  rename.mutable_person()->set_id(current.id());
  rename.mutable_person()->set_etag(current.etag());
  rename.mutable_person()->set_display_name("Jacques Dupont-Moreau");
  rename.mutable_update_mask()->add_paths("display_name");
  ASSERT_TRUE(ident().UpdatePerson(Context(jacques_.token).get(), rename, &current).ok());

  get.set_id(claire.person.id());
  ASSERT_TRUE(ident().GetPerson(Context(claire.token).get(), get, &current).ok());
  iv1::DeletePersonRequest erase;
  erase.set_id(claire.person.id());
  erase.set_etag(current.etag());
  google::protobuf::Empty erased;
  ASSERT_TRUE(ident().DeletePerson(Context(claire.token).get(), erase, &erased).ok());

  ASSERT_TRUE(Dossier(token, &dossier).ok());
  ASSERT_EQ(dossier.entries_size(), 1);
  EXPECT_EQ(dossier.entries(0).author().display_name(), "Jacques Dupont-Moreau");
  ASSERT_EQ(dossier.recommendations_size(), 1);
  EXPECT_EQ(dossier.recommendations(0).id(), letter.id());
  EXPECT_THAT(dossier.SerializeAsString(), Not(HasSubstr("+33 6 12 34 56 78")));

  // The log says what each read showed: both, then Jacques' letter alone.
  std::vector<cv1::AccessEntry> log = AccessLogOf(martin_);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_THAT(log[0].recommendation_ids(), ElementsAre(letter.id()));
  ASSERT_EQ(log[0].shown_size(), 1);
  EXPECT_EQ(log[0].shown(0).version(), 1);
  EXPECT_FALSE(log[0].shown(0).contact_shown());
  EXPECT_THAT(log[1].recommendation_ids(), ElementsAre(letter.id(), oral.id()));
  ASSERT_EQ(log[1].shown_size(), 2);
  EXPECT_TRUE(log[1].shown(1).contact_shown());
  EXPECT_EQ(log[1].shown(1).author_id(), claire.person.id());
}

TEST_F(SharedDossierTest, IdentityDownShowsNothingAndLogsNothing) {
  cv1::Recommendation letter = Published(jacques_, {Tag("negociation")});
  const std::string token = Share({letter});
  deployment_->StopIdentity();
  cv1::Dossier dossier;
  grpc::Status read = Dossier(token, &dossier);
  EXPECT_EQ(read.error_code(), grpc::StatusCode::UNAVAILABLE) << read.error_message();
  EXPECT_EQ(dossier.entries_size(), 0);
  EXPECT_TRUE(AccessLogOf(martin_).empty());
}

// The log of reads is written without waiting for a disk sync; a crash of
// the process right after the answer still keeps it.
TEST_F(SharedDossierTest, AReadStaysInTheLogWhenTheServerIsKilledRightAfter) {
  cv1::Recommendation letter = Published(jacques_, {Tag("negociation")});
  const std::string token = Share({letter});
  cv1::Dossier dossier;
  ASSERT_TRUE(Dossier(token, &dossier).ok());
  deployment_->StopRecommendations(/*kill=*/true);
  ASSERT_TRUE(deployment_->Start(Server::kRecommendations));
  for (const Account* reader : {&martin_, &jacques_}) {
    std::vector<cv1::AccessEntry> log = AccessLogOf(*reader);
    ASSERT_EQ(log.size(), 1u) << reader->person.display_name();
    EXPECT_EQ(log[0].share_id(), dossier.share_id());
    EXPECT_THAT(log[0].recommendation_ids(), ElementsAre(letter.id()));
  }
}

// Deleting an author erases their letters and what reads showed of them;
// deleting the subject erases their shares, the letters about them and
// their access log; the recommendations database then holds none of it.
TEST_F(SharedDossierTest, ErasureLeavesNothingOfAnAuthorOrOfTheSubject) {
  // Two erasures in a row: each reclaimed at once.
  deployment_->AddFlags(Server::kRecommendations, {"--erasure_reclaim_period=0s"});
  deployment_->Restart(Server::kRecommendations, /*kill=*/true);
  const cv1::Recommendation letter = Published(jacques_, {Tag("négociation")});
  const std::string token = Share({letter});
  cv1::Dossier dossier;
  ASSERT_TRUE(Dossier(token, &dossier).ok());
  ASSERT_EQ(dossier.entries_size(), 1);
  ASSERT_EQ(AccessLogOf(jacques_).size(), 1u);
  const std::string db = deployment_->DatabaseDir("recommendations");
  const std::string text = "avec calme et précision";
  ASSERT_FALSE(FilesHolding(db, text).empty()) << "the search cannot find the letter";

  Delete(jacques_);
  cv1::GetRecommendationRequest get;
  get.set_id(letter.id());
  cv1::Recommendation read;
  EXPECT_TRUE(WaitUntil(
      [&] {
        return recs().GetRecommendation(Context(martin_.token).get(), get, &read).error_code() ==
               grpc::StatusCode::NOT_FOUND;
      },
      10s));
  // Martin's log keeps the read of his dossier, without the erased letter.
  const std::vector<cv1::AccessEntry> log = AccessLogOf(martin_);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].recommendation_ids_size(), 0);
  EXPECT_EQ(log[0].shown_size(), 0);
  ASSERT_TRUE(Dossier(token, &dossier).ok());
  EXPECT_EQ(dossier.entries_size(), 0);
  EXPECT_TRUE(WaitUntil([&] { return FilesHolding(db, text).empty(); }, 20s))
      << absl::StrJoin(FilesHolding(db, text), ", ");

  // Claire blocked Martin; that goes with him too.
  Account claire = Person("Claire Petit", "claire@example.fr", "Acheteuse");
  cv1::BlockRequesterRequest block;
  block.set_person_id(martin_.person.id());
  cv1::BlockedRequester blocked;
  ASSERT_TRUE(recs().BlockRequester(Context(claire.token).get(), block, &blocked).ok());
  auto blocks_of_claire = [&] {
    cv1::ListBlockedRequestersResponse listed;
    EXPECT_TRUE(recs()
                    .ListBlockedRequesters(Context(claire.token).get(),
                                           cv1::ListBlockedRequestersRequest(), &listed)
                    .ok());
    return listed.requesters_size();
  };
  ASSERT_EQ(blocks_of_claire(), 1);

  Delete(martin_);
  EXPECT_TRUE(WaitUntil(
      [&] { return Dossier(token, &dossier).error_code() == grpc::StatusCode::NOT_FOUND; }, 10s));
  EXPECT_TRUE(WaitUntil([&] { return blocks_of_claire() == 0; }, 10s));
  // The share named its recruiter; once reclaimed no file does.
  EXPECT_TRUE(WaitUntil([&] { return FilesHolding(db, "recrutement@acme.example").empty(); }, 20s))
      << absl::StrJoin(FilesHolding(db, "recrutement@acme.example"), ", ");
}

}  // namespace
}  // namespace trustsphere::testing
