// The dossier a recruiter reads, built by RecommendationLogic over a real
// RocksDB store with identity and relationships in memory: who is named and
// how, what of a statement shows (and what never does), erasure, outages,
// the batching of identity reads and the access log. The server test in
// tests/ proves the same over the real services.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"
#include "services/common/core/crypto.h"
#include "services/common/core/proto_time.h"
#include "services/common/downstream/fake_identity_directory.h"
#include "services/recommendations/fake_trust_sources.h"
#include "services/recommendations/recommendation_logic.h"
#include "services/recommendations/rocksdb_recommendation_store.h"
#include "services/recommendations/test_logic.h"
#include "tests/support/temp_dir.h"

namespace trustsphere::recommendations {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

common::v1::Facet Facet(common::v1::FacetKind kind, const std::string& key) {
  common::v1::Facet facet;
  facet.set_kind(kind);
  facet.set_key(key);
  return facet;
}
common::v1::Facet Competency(const std::string& key) {
  return Facet(common::v1::FACET_KIND_COMPETENCY, key);
}
common::v1::Facet Quality(const std::string& key) {
  return Facet(common::v1::FACET_KIND_QUALITY, key);
}

Caller Person(const std::string& id) {
  return Caller{.person_id = id, .roles = static_cast<uint32_t>(Role::kUser)};
}

// The signed payload of a compact JWS (its middle part).
nlohmann::json PayloadOf(const std::string& jws) {
  std::vector<std::string> parts = absl::StrSplit(jws, '.');
  std::string payload;
  if (parts.size() != 3 || !Base64UrlDecode(parts[1], &payload)) return nullptr;
  return nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
}

// Jacques vouches for Martin: the essay's pair, with their positions at
// Société Générale, a sphere wider than the letter, and a private note.
class SharedDossierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    identity_.AddPerson("martin", "Martin Durand", "Négociateur grands comptes");
    identity_.AddPerson("jacques", "Jacques Dupont", "Directeur commercial");
    jacques_position_ = identity_.AddPosition("jacques", "Société Générale", 2008, 9, 2019, 6);
    identity_.RetitlePosition(jacques_position_.id(), "Directeur commercial");
    martin_position_ = identity_.AddPosition("martin", "SOCIETE GENERALE", 2012, 9, 2018, 6);
    identity_.RetitlePosition(martin_position_.id(), "Chargé d'affaires");
    identity_.AddTag(common::v1::FACET_KIND_COMPETENCY, "negociation", "Négociation");
    identity_.AddTag(common::v1::FACET_KIND_QUALITY, "loyaute", "Loyauté");

    trust_.State("jacques", "martin",
                 {Competency("negociation"), Quality("loyaute"), Function(martin_position_.id())},
                 {Competency("planning")});
    rv1::TrustStatement relation;
    relation.set_truster_id("jacques");
    relation.set_trustee_id("martin");
    relation.add_roles(rv1::ROLE_DIRECT_REPORT);
    relation.add_context_position_ids(jacques_position_.id());
    relation.add_context_position_ids(martin_position_.id());
    relation.set_note("Ne pas lui confier le planning.");
    *relation.mutable_create_time() = ToProto(trusted_since_);
    trust_.Describe(relation);

    auto logic = OpenTestLogic(dir_, &identity_, &trust_);
    ASSERT_TRUE(logic.ok()) << logic.status();
    logic_ = std::move(*logic);
  }

  static common::v1::Facet Function(const std::string& position_id) {
    return Facet(common::v1::FACET_KIND_FUNCTION, position_id);
  }

  // A recommendation by `author` of Martin, published by him.
  v1::Recommendation Published(const std::string& author, std::vector<common::v1::Facet> facets,
                               std::vector<std::string> context_position_ids = {},
                               v1::Form form = v1::FORM_WRITTEN) {
    v1::WriteRecommendationRequest write;
    v1::Recommendation& recommendation = *write.mutable_recommendation();
    recommendation.set_subject_id("martin");
    recommendation.set_form(form);
    if (form == v1::FORM_WRITTEN) {
      recommendation.set_text("Martin a négocié nos plus grands contrats.");
    } else {
      recommendation.set_contact("+33 6 12 34 56 78");
      recommendation.set_availability("en soirée");
    }
    for (auto& facet : facets) *recommendation.add_facets() = facet;
    for (auto& id : context_position_ids) recommendation.add_context_position_ids(id);
    auto written = logic_->WriteRecommendation(Person(author), write);
    EXPECT_TRUE(written.ok()) << written.status();
    v1::PublishRecommendationRequest publish;
    publish.set_id(written.value_or(v1::Recommendation()).id());
    auto published = logic_->PublishRecommendation(Person("martin"), publish);
    EXPECT_TRUE(published.ok()) << published.status();
    return published.value_or(v1::Recommendation());
  }

  // Martin shares them; the token.
  std::string Share(const std::vector<v1::Recommendation>& recommendations) {
    v1::CreateShareRequest share;
    share.mutable_share()->set_recruiter("recrutement@acme.example");
    for (const auto& recommendation : recommendations) {
      share.mutable_share()->add_recommendation_ids(recommendation.id());
    }
    *share.mutable_share()->mutable_expire_time() = ToProto(absl::Now() + absl::Hours(1));
    auto shared = logic_->CreateShare(Person("martin"), share);
    EXPECT_TRUE(shared.ok()) << shared.status();
    return shared.ok() ? shared->token() : "";
  }

  absl::StatusOr<v1::Dossier> Read(const std::string& token) {
    v1::GetSharedDossierRequest request;
    request.set_token(token);
    return logic_->GetSharedDossier(Caller(), request);
  }

  std::vector<v1::AccessEntry> AccessLogOf(const std::string& person) {
    v1::ListAccessLogRequest request;
    request.set_person_id(person);
    auto log = logic_->ListAccessLog(Person(person), request);
    EXPECT_TRUE(log.ok()) << log.status();
    if (!log.ok()) return {};
    return {log->entries().begin(), log->entries().end()};
  }

  // Another author of Martin, vouching for his negotiation.
  void AddAuthor(const std::string& id, const std::string& name) {
    identity_.AddPerson(id, name, "Collègue");
    trust_.State(id, "martin", {Competency("negociation")});
  }

  const absl::Time trusted_since_ = absl::FromUnixSeconds(1556668800);  // 2019-05-01
  testing::TempDir dir_;
  FakeIdentityDirectory identity_;
  FakeTrust trust_;
  std::unique_ptr<RecommendationLogic> logic_;
  identity::v1::Position jacques_position_;
  identity::v1::Position martin_position_;
};

TEST_F(SharedDossierTest, NamesEveryoneAndSpellsEveryFacetForAReaderWithoutAnAccount) {
  v1::Recommendation letter =
      Published("jacques", {Competency("Négociation"), Function(martin_position_.id())},
                {martin_position_.id()});
  auto dossier = Read(Share({letter}));
  ASSERT_TRUE(dossier.ok()) << dossier.status();

  EXPECT_EQ(dossier->subject().person_id(), "martin");
  EXPECT_EQ(dossier->subject().display_name(), "Martin Durand");
  EXPECT_EQ(dossier->subject().headline(), "Négociateur grands comptes");
  ASSERT_EQ(dossier->entries_size(), 1);
  ASSERT_EQ(dossier->recommendations_size(), 1);
  const v1::DossierRecommendation& entry = dossier->entries(0);
  EXPECT_EQ(entry.recommendation().id(), letter.id());
  EXPECT_EQ(entry.recommendation().text(), "Martin a négocié nos plus grands contrats.");
  EXPECT_EQ(dossier->recommendations(0).id(), letter.id());
  EXPECT_EQ(entry.author().display_name(), "Jacques Dupont");
  EXPECT_EQ(entry.author().headline(), "Directeur commercial");

  // The relation as Jacques stated it: Martin reported to him, at Société
  // Générale, both sides' positions, since May 2019.
  EXPECT_THAT(entry.relation().roles(), ElementsAre(rv1::ROLE_DIRECT_REPORT));
  EXPECT_EQ(FromProto(entry.relation().trusted_since()), trusted_since_);
  ASSERT_EQ(entry.relation().context_positions_size(), 2);
  const v1::DossierPosition& his = entry.relation().context_positions(0);
  EXPECT_EQ(his.person_id(), "jacques");
  EXPECT_EQ(his.organization(), "Société Générale");
  EXPECT_EQ(his.title(), "Directeur commercial");
  EXPECT_EQ(his.period().start().year(), 2008);
  EXPECT_EQ(his.period().end().year(), 2019);
  EXPECT_EQ(entry.relation().context_positions(1).person_id(), "martin");
  EXPECT_EQ(entry.relation().context_positions(1).title(), "Chargé d'affaires");

  // Facets: the vocabulary's spelling, accents included; a FUNCTION as the
  // position it names.
  ASSERT_EQ(entry.facets_size(), 2);
  EXPECT_EQ(entry.facets(0).facet().kind(), common::v1::FACET_KIND_COMPETENCY);
  EXPECT_EQ(entry.facets(0).facet().key(), "negociation");
  EXPECT_EQ(entry.facets(0).display_name(), "Négociation");
  EXPECT_EQ(entry.facets(1).facet().kind(), common::v1::FACET_KIND_FUNCTION);
  EXPECT_EQ(entry.facets(1).display_name(), "Chargé d'affaires, SOCIETE GENERALE");
  EXPECT_EQ(entry.facets(1).position().position_id(), martin_position_.id());
  EXPECT_EQ(entry.facets(1).position().period().start().year(), 2012);
  // The positions the letter itself speaks of.
  ASSERT_EQ(entry.context_positions_size(), 1);
  EXPECT_EQ(entry.context_positions(0).position_id(), martin_position_.id());
}

TEST_F(SharedDossierTest, EachRecommendationCarriesItsSignedExport) {
  v1::Recommendation letter = Published("jacques", {Competency("negociation")});
  auto dossier = Read(Share({letter}));
  ASSERT_TRUE(dossier.ok()) << dossier.status();
  auto keys = logic_->GetPublicKeys(Caller(), {});
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(dossier->signature_keys().public_keys_method(),
            "trustsphere.recommendations.v1.RecommendationService/GetPublicKeys");
  EXPECT_EQ(dossier->signature_keys().key_id(), keys->keys(0).key_id());

  const std::string& jws = dossier->entries(0).signed_recommendation();
  v1::VerifyRecommendationRequest verify;
  verify.set_jws(jws);
  auto verified = logic_->VerifyRecommendation(Caller(), verify);
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->valid());
  EXPECT_TRUE(verified->current());
  nlohmann::json payload = PayloadOf(jws);
  EXPECT_EQ(payload["id"], letter.id());
  EXPECT_EQ(payload["author"]["name"], "Jacques Dupont");
  EXPECT_EQ(payload["subject"]["name"], "Martin Durand");
  EXPECT_EQ(payload["text"], letter.text());
}

TEST_F(SharedDossierTest, NamesAndLabelsAreReadAtReadTime) {
  v1::Recommendation letter =
      Published("jacques", {Competency("negociation"), Function(martin_position_.id())});
  const std::string token = Share({letter});
  ASSERT_EQ(Read(token)->entries(0).author().display_name(), "Jacques Dupont");

  identity_.AddPerson("jacques", "Jacques Dupont-Moreau", "Consultant");
  identity_.RetitlePosition(martin_position_.id(), "Responsable grands comptes");
  auto dossier = Read(token);
  ASSERT_TRUE(dossier.ok()) << dossier.status();
  const v1::DossierRecommendation& entry = dossier->entries(0);
  EXPECT_EQ(entry.author().display_name(), "Jacques Dupont-Moreau");
  EXPECT_EQ(entry.author().headline(), "Consultant");
  EXPECT_EQ(entry.facets(1).display_name(), "Responsable grands comptes, SOCIETE GENERALE");
  EXPECT_EQ(PayloadOf(entry.signed_recommendation())["author"]["name"], "Jacques Dupont-Moreau");
}

TEST_F(SharedDossierTest, NothingOfTheStatementShowsBeyondTheRelation) {
  // The sphere holds loyalty and a FUNCTION too, outside it planning, and a
  // note: the letter recommends negotiation only.
  v1::Recommendation letter = Published("jacques", {Competency("negociation")});
  auto dossier = Read(Share({letter}));
  ASSERT_TRUE(dossier.ok()) << dossier.status();
  const std::string bytes = dossier->SerializeAsString();
  EXPECT_THAT(bytes, Not(HasSubstr("Ne pas lui confier")));
  EXPECT_THAT(bytes, Not(HasSubstr("loyaute")));
  EXPECT_THAT(bytes, Not(HasSubstr("Loyauté")));
  EXPECT_THAT(bytes, Not(HasSubstr("planning")));
  ASSERT_EQ(dossier->entries(0).facets_size(), 1);
  EXPECT_EQ(dossier->entries(0).facets(0).display_name(), "Négociation");
}

TEST_F(SharedDossierTest, ADeletedAuthorDropsOutAndADeletedSubjectEndsTheDossier) {
  AddAuthor("claire", "Claire Petit");
  v1::Recommendation by_jacques = Published("jacques", {Competency("negociation")});
  v1::Recommendation by_claire = Published("claire", {Competency("negociation")});
  const std::string token = Share({by_jacques, by_claire});
  ASSERT_EQ(Read(token)->entries_size(), 2);

  identity_.DeletePerson("claire");
  auto dossier = Read(token);
  ASSERT_TRUE(dossier.ok()) << dossier.status();
  ASSERT_EQ(dossier->entries_size(), 1);
  EXPECT_EQ(dossier->entries(0).author().display_name(), "Jacques Dupont");
  ASSERT_EQ(dossier->recommendations_size(), 1);
  EXPECT_EQ(dossier->recommendations(0).id(), by_jacques.id());
  // The log says what that read showed: Jacques' letter only.
  EXPECT_THAT(AccessLogOf("martin").front().recommendation_ids(), ElementsAre(by_jacques.id()));

  identity_.DeletePerson("martin");
  EXPECT_TRUE(absl::IsNotFound(Read(token).status()));
}

TEST_F(SharedDossierTest, StatementsRevokedOrMissingShowNothing) {
  AddAuthor("claire", "Claire Petit");
  v1::Recommendation by_jacques = Published("jacques", {Competency("negociation")});
  v1::Recommendation by_claire = Published("claire", {Competency("negociation")});
  const std::string token = Share({by_jacques, by_claire});
  trust_.Revoke("claire", "martin");
  auto dossier = Read(token);
  ASSERT_TRUE(dossier.ok()) << dossier.status();
  ASSERT_EQ(dossier->entries_size(), 1);
  EXPECT_EQ(dossier->entries(0).recommendation().id(), by_jacques.id());
}

TEST_F(SharedDossierTest, AnOutageShowsNothingAndLogsNothing) {
  v1::Recommendation letter = Published("jacques", {Competency("negociation")});
  const std::string token = Share({letter});
  identity_.SetUnavailable(true);
  EXPECT_TRUE(absl::IsUnavailable(Read(token).status()));
  identity_.SetUnavailable(false);
  trust_.SetUnavailable(true);
  EXPECT_TRUE(absl::IsUnavailable(Read(token).status()));
  trust_.SetUnavailable(false);
  EXPECT_TRUE(AccessLogOf("martin").empty());
  EXPECT_TRUE(Read(token).ok());
  EXPECT_EQ(AccessLogOf("martin").size(), 1u);
}

TEST_F(SharedDossierTest, IdentityIsReadInBatchesWhateverTheShareHolds) {
  std::vector<v1::Recommendation> letters = {
      Published("jacques", {Competency("negociation"), Function(martin_position_.id())},
                {martin_position_.id()})};
  for (int i = 0; i < 19; ++i) {
    const std::string author = "author" + std::to_string(i);
    AddAuthor(author, "Auteur " + std::to_string(i));
    letters.push_back(Published(author, {Competency("negociation")}));
  }
  const std::string token = Share(letters);
  const int persons = identity_.Calls("BatchGetPersons");
  const int positions = identity_.Calls("BatchGetPositions");
  const int tags = identity_.Calls("BatchGetTags");
  const int singles = identity_.Calls("GetPerson");
  auto dossier = Read(token);
  ASSERT_TRUE(dossier.ok()) << dossier.status();
  EXPECT_EQ(dossier->entries_size(), 20);
  EXPECT_EQ(identity_.Calls("BatchGetPersons") - persons, 1);
  EXPECT_EQ(identity_.Calls("BatchGetPositions") - positions, 1);
  EXPECT_EQ(identity_.Calls("BatchGetTags") - tags, 1);
  EXPECT_EQ(identity_.Calls("GetPerson") - singles, 0);
}

TEST_F(SharedDossierTest, TheAccessLogRecordsWhatWasShown) {
  AddAuthor("claire", "Claire Petit");
  v1::Recommendation letter = Published("jacques", {Competency("negociation")});
  v1::Recommendation oral = Published("claire", {Competency("negociation")}, {}, v1::FORM_ORAL);
  auto dossier = Read(Share({letter, oral}));
  ASSERT_TRUE(dossier.ok()) << dossier.status();
  EXPECT_EQ(dossier->entries(1).recommendation().contact(), "+33 6 12 34 56 78");
  EXPECT_EQ(dossier->entries(1).recommendation().availability(), "en soirée");

  std::vector<v1::AccessEntry> log = AccessLogOf("martin");
  ASSERT_EQ(log.size(), 1u);
  EXPECT_THAT(log[0].recommendation_ids(), ElementsAre(letter.id(), oral.id()));
  ASSERT_EQ(log[0].shown_size(), 2);
  EXPECT_EQ(log[0].shown(0).recommendation_id(), letter.id());
  EXPECT_EQ(log[0].shown(0).version(), 1);
  EXPECT_EQ(log[0].shown(0).author_id(), "jacques");
  EXPECT_FALSE(log[0].shown(0).contact_shown());
  EXPECT_EQ(log[0].shown(1).author_id(), "claire");
  EXPECT_TRUE(log[0].shown(1).contact_shown());
  // Each author sees the read that showed their recommendation.
  EXPECT_EQ(AccessLogOf("claire").size(), 1u);
  EXPECT_EQ(AccessLogOf("jacques").size(), 1u);
}

}  // namespace
}  // namespace trustsphere::recommendations
