// trustsphere_demo: fills a running deployment, through the public API only,
// with a small realistic network: the essay's Jacques and Martin and a few
// dozen people across companies, a school and associations, their
// positions, mutual and pending trust with spheres, recommendations and a
// share for a recruiter. Prints what to try next. Running it again reuses
// the people it created (it logs them in).
//
//   trustsphere_demo [--identity_addr=...] [--relationships_addr=...]
//                    [--recommendations_addr=...] [--tls_ca_file=...]
//
// It ends by reading the share's dossier with the token alone and printing
// it as a recruiter would read it.

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "trustsphere/identity/v1/identity.grpc.pb.h"
#include "trustsphere/recommendations/v1/recommendations.grpc.pb.h"
#include "trustsphere/relationships/v1/relationships.grpc.pb.h"

ABSL_FLAG(std::string, identity_addr, "127.0.0.1:50051", "The identity service.");
ABSL_FLAG(std::string, relationships_addr, "127.0.0.1:50052", "The relationships service.");
ABSL_FLAG(std::string, recommendations_addr, "127.0.0.1:50053", "The recommendations service.");
ABSL_FLAG(std::string, tls_ca_file, "data/tls/ca.pem",
          "The CA that certified the servers (the default is what scripts/run.sh makes, from "
          "the top of the repository); empty: plaintext.");

namespace {

namespace iv1 = trustsphere::identity::v1;
namespace rv1 = trustsphere::relationships::v1;
namespace cv1 = trustsphere::recommendations::v1;
using trustsphere::common::v1::Facet;
using trustsphere::common::v1::FacetKind;

constexpr char kPassword[] = "demo password";

struct Person {
  std::string name;
  std::string id;
  std::string token;
  std::string refresh_token;
  std::vector<iv1::Position> positions;
};

std::unique_ptr<grpc::ClientContext> Context(const std::string& token = "") {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
  return context;
}

void Check(const grpc::Status& status, const std::string& what) {
  if (status.ok()) return;
  std::fprintf(stderr, "%s failed: %s\n", what.c_str(), status.error_message().c_str());
  std::exit(1);
}

Facet MakeFacet(FacetKind kind, const std::string& key) {
  Facet facet;
  facet.set_kind(kind);
  facet.set_key(key);
  return facet;
}

// TLS against --tls_ca_file, or plaintext when it is empty; exits when
// the file cannot be read.
std::shared_ptr<grpc::ChannelCredentials> ChannelCredentials() {
  const std::string ca_file = absl::GetFlag(FLAGS_tls_ca_file);
  if (ca_file.empty()) return grpc::InsecureChannelCredentials();
  std::ifstream in(ca_file);
  std::stringstream ca;
  ca << in.rdbuf();
  if (!in || ca.str().empty()) {
    std::fprintf(stderr,
                 "cannot read --tls_ca_file=%s (scripts/run.sh makes it; --tls_ca_file= for "
                 "plaintext)\n",
                 ca_file.c_str());
    std::exit(2);
  }
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ca.str();
  return grpc::SslCredentials(options);
}

class Demo {
 public:
  explicit Demo(const std::shared_ptr<grpc::ChannelCredentials>& credentials)
      : identity_(iv1::IdentityService::NewStub(
            grpc::CreateChannel(absl::GetFlag(FLAGS_identity_addr), credentials))),
        relationships_(rv1::RelationshipService::NewStub(
            grpc::CreateChannel(absl::GetFlag(FLAGS_relationships_addr), credentials))),
        recommendations_(cv1::RecommendationService::NewStub(
            grpc::CreateChannel(absl::GetFlag(FLAGS_recommendations_addr), credentials))) {}

  // Signs the person up, or logs them in when a previous run did.
  Person Join(const std::string& name, const std::string& headline) {
    // Addresses are ASCII: the accents of French names go.
    const std::string email =
        absl::StrCat(absl::AsciiStrToLower(absl::StrReplaceAll(name, {{" ", "."},
                                                                      {"é", "e"},
                                                                      {"è", "e"},
                                                                      {"ê", "e"},
                                                                      {"ë", "e"},
                                                                      {"à", "a"},
                                                                      {"â", "a"},
                                                                      {"î", "i"},
                                                                      {"ï", "i"},
                                                                      {"ô", "o"},
                                                                      {"ù", "u"},
                                                                      {"û", "u"},
                                                                      {"ü", "u"},
                                                                      {"ç", "c"},
                                                                      {"œ", "oe"},
                                                                      {"É", "E"}})),
                     "@demo.trustsphere.example");
    iv1::CreatePersonRequest create;
    create.mutable_person()->set_display_name(name);
    create.mutable_person()->set_headline(headline);
    create.mutable_person()->set_email(email);
    create.mutable_person()->set_locale("fr-FR");
    create.set_password(kPassword);
    iv1::Person created;
    grpc::Status status = identity_->CreatePerson(Context().get(), create, &created);
    if (!status.ok() && status.error_code() != grpc::StatusCode::ALREADY_EXISTS) {
      Check(status, "CreatePerson " + name);
    }
    iv1::AuthenticateRequest login;
    login.set_email(email);
    login.set_password(kPassword);
    login.set_device_label("trustsphere_demo");
    iv1::AuthenticateResponse session;
    Check(identity_->Authenticate(Context().get(), login, &session), "Authenticate " + name);
    Person person{name, session.person_id(), session.access_token(), session.refresh_token(), {}};
    iv1::ListPositionsRequest list;
    list.set_person_id(person.id);
    list.set_page_size(100);
    iv1::ListPositionsResponse positions;
    Check(identity_->ListPositions(Context(person.token).get(), list, &positions), "ListPositions");
    person.positions.assign(positions.positions().begin(), positions.positions().end());
    return person;
  }

  // Trades the person's refresh token for new tokens, as an app does when
  // the access token expires.
  void Refresh(Person& person) {
    iv1::RefreshSessionRequest request;
    request.set_refresh_token(person.refresh_token);
    iv1::AuthenticateResponse session;
    Check(identity_->RefreshSession(Context().get(), request, &session), "RefreshSession");
    person.token = session.access_token();
    person.refresh_token = session.refresh_token();
  }

  // The names `person` finds for `name_prefix`, best match first.
  std::vector<std::string> Search(const Person& person, const std::string& name_prefix) {
    iv1::SearchPeopleRequest request;
    request.set_name_prefix(name_prefix);
    request.set_page_size(5);
    iv1::SearchPeopleResponse found;
    Check(identity_->SearchPeople(Context(person.token).get(), request, &found), "SearchPeople");
    std::vector<std::string> names;
    for (const auto& someone : found.persons()) names.push_back(someone.display_name());
    return names;
  }

  // The person's live sessions (a login per run of the demo, at most 50).
  std::vector<iv1::Session> Sessions(const Person& person) {
    iv1::ListSessionsRequest request;
    request.set_person_id(person.id);
    request.set_page_size(100);
    iv1::ListSessionsResponse sessions;
    Check(identity_->ListSessions(Context(person.token).get(), request, &sessions), "ListSessions");
    return {sessions.sessions().begin(), sessions.sessions().end()};
  }

  // Adds the position unless a previous run did.
  void Hold(Person& person, iv1::PositionKind kind, const std::string& organization,
            const std::string& title, int start_year, int end_year) {
    for (const auto& held : person.positions) {
      if (held.organization() == organization && held.title() == title) return;
    }
    iv1::AddPositionRequest add;
    add.set_person_id(person.id);
    auto* position = add.mutable_position();
    position->set_kind(kind);
    position->set_organization(organization);
    position->set_title(title);
    position->mutable_period()->mutable_start()->set_year(start_year);
    position->mutable_period()->mutable_start()->set_month(9);
    if (end_year > 0) {
      position->mutable_period()->mutable_end()->set_year(end_year);
      position->mutable_period()->mutable_end()->set_month(6);
    }
    iv1::Position added;
    Check(identity_->AddPosition(Context(person.token).get(), add, &added), "AddPosition");
    person.positions.push_back(added);
  }

  // `context` names the positions, of either of them, where they met.
  void Trust(const Person& truster, const Person& trustee, std::vector<Facet> inside,
             std::vector<Facet> outside, rv1::Role role,
             rv1::Visibility visibility = rv1::VISIBILITY_NETWORK,
             const std::vector<std::string>& context = {}, const std::string& note = "") {
    rv1::PutTrustRequest put;
    auto* statement = put.mutable_statement();
    statement->set_trustee_id(trustee.id);
    statement->add_roles(role);
    statement->set_visibility(visibility);
    for (const auto& id : context) statement->add_context_position_ids(id);
    statement->set_note(note);
    for (auto& facet : inside) *statement->mutable_sphere()->add_inside() = facet;
    for (auto& facet : outside) *statement->mutable_sphere()->add_outside() = facet;
    rv1::TrustStatement stated;
    Check(relationships_->PutTrust(Context(truster.token).get(), put, &stated),
          "PutTrust " + truster.name + " -> " + trustee.name);
  }

  // An oral reference when `contact` is set. `context` names the positions
  // the recommendation speaks of.
  cv1::Recommendation Recommend(const Person& author, const Person& subject,
                                std::vector<Facet> facets, const std::string& text,
                                const std::vector<std::string>& context = {},
                                const std::string& contact = "",
                                const std::string& availability = "") {
    cv1::WriteRecommendationRequest write;
    auto* recommendation = write.mutable_recommendation();
    recommendation->set_subject_id(subject.id);
    recommendation->set_form(contact.empty() ? cv1::FORM_WRITTEN : cv1::FORM_ORAL);
    recommendation->set_text(text);
    recommendation->set_contact(contact);
    recommendation->set_availability(availability);
    for (auto& facet : facets) *recommendation->add_facets() = facet;
    for (const auto& id : context) recommendation->add_context_position_ids(id);
    // At most 64 characters: the tails of the ids are unique enough here.
    write.set_request_id(absl::StrCat("demo-", author.id.substr(author.id.size() - 12), "-",
                                      subject.id.substr(subject.id.size() - 12), "-",
                                      contact.empty() ? "written" : "oral"));
    cv1::Recommendation written;
    Check(recommendations_->WriteRecommendation(Context(author.token).get(), write, &written),
          "WriteRecommendation " + author.name + " -> " + subject.name);
    cv1::PublishRecommendationRequest publish;
    publish.set_id(written.id());
    cv1::Recommendation published;
    Check(
        recommendations_->PublishRecommendation(Context(subject.token).get(), publish, &published),
        "PublishRecommendation");
    return published;
  }

  std::string ShareWith(const Person& subject, const std::vector<std::string>& ids,
                        const std::string& recruiter) {
    cv1::CreateShareRequest create;
    create.mutable_share()->set_recruiter(recruiter);
    for (const auto& id : ids) create.mutable_share()->add_recommendation_ids(id);
    create.mutable_share()->mutable_expire_time()->set_seconds(
        absl::ToUnixSeconds(absl::Now() + absl::Hours(24 * 30)));
    cv1::CreateShareResponse share;
    Check(recommendations_->CreateShare(Context(subject.token).get(), create, &share),
          "CreateShare");
    return share.token();
  }

  // What a recruiter reads with the token, with no account.
  cv1::Dossier ReadDossier(const std::string& token) {
    cv1::GetSharedDossierRequest read;
    read.set_token(token);
    cv1::Dossier dossier;
    Check(recommendations_->GetSharedDossier(Context().get(), read, &dossier), "GetSharedDossier");
    return dossier;
  }

 private:
  std::unique_ptr<iv1::IdentityService::Stub> identity_;
  std::unique_ptr<rv1::RelationshipService::Stub> relationships_;
  std::unique_ptr<cv1::RecommendationService::Stub> recommendations_;
};

Facet Competency(const std::string& key) {
  return MakeFacet(trustsphere::common::v1::FACET_KIND_COMPETENCY, key);
}
Facet Quality(const std::string& key) {
  return MakeFacet(trustsphere::common::v1::FACET_KIND_QUALITY, key);
}
Facet Function(const iv1::Position& position) {
  return MakeFacet(trustsphere::common::v1::FACET_KIND_FUNCTION, position.id());
}

// The person's position at the organisation (matched by its key).
const iv1::Position& PositionAt(const Person& person, const std::string& organization_key) {
  for (const auto& position : person.positions) {
    if (position.organization_key() == organization_key) return position;
  }
  std::fprintf(stderr, "%s holds no position at %s\n", person.name.c_str(),
               organization_key.c_str());
  std::exit(1);
}

std::string MonthYear(const trustsphere::common::v1::YearMonth& month) {
  return absl::StrFormat("%02d/%d", month.month(), month.year());
}

std::string PeriodText(const trustsphere::common::v1::Period& period) {
  if (!period.has_end()) return "since " + MonthYear(period.start());
  return MonthYear(period.start()) + " to " + MonthYear(period.end());
}

// ROLE_DIRECT_REPORT -> "direct report".
std::string RoleText(int role) {
  std::string name = rv1::Role_Name(static_cast<rv1::Role>(role)).substr(5);
  return absl::StrReplaceAll(absl::AsciiStrToLower(name), {{"_", " "}});
}

std::string FacetKindText(trustsphere::common::v1::FacetKind kind) {
  switch (kind) {
    case trustsphere::common::v1::FACET_KIND_FUNCTION:
      return "function";
    case trustsphere::common::v1::FACET_KIND_COMPETENCY:
      return "competency";
    default:
      return "quality";
  }
}

// The dossier as a recruiter would read it, from the answer alone.
void PrintDossier(const cv1::Dossier& dossier) {
  const auto& subject = dossier.subject();
  std::printf("  %s, %s\n", subject.display_name().c_str(), subject.headline().c_str());
  for (int i = 0; i < dossier.entries_size(); ++i) {
    const cv1::DossierRecommendation& entry = dossier.entries(i);
    const cv1::Recommendation& recommendation = entry.recommendation();
    const bool oral = recommendation.form() == cv1::FORM_ORAL;
    std::printf("  %d. %s %s, %s\n", i + 1, oral ? "Oral reference by" : "Letter by",
                entry.author().display_name().c_str(), entry.author().headline().c_str());
    std::vector<std::string> roles;
    for (int role : entry.relation().roles()) roles.push_back(RoleText(role));
    std::printf("     %s to the author, trusted since %s\n", absl::StrJoin(roles, ", ").c_str(),
                absl::FormatTime("%d/%m/%Y",
                                 absl::FromUnixSeconds(entry.relation().trusted_since().seconds()),
                                 absl::UTCTimeZone())
                    .c_str());
    for (const auto& position : entry.relation().context_positions()) {
      const std::string& holder = position.person_id() == subject.person_id()
                                      ? subject.display_name()
                                      : entry.author().display_name();
      std::printf("     - %s: %s at %s, %s\n", holder.c_str(), position.title().c_str(),
                  position.organization().c_str(), PeriodText(position.period()).c_str());
    }
    std::vector<std::string> facets;
    for (const auto& facet : entry.facets()) {
      facets.push_back(
          absl::StrCat(facet.display_name(), " (", FacetKindText(facet.facet().kind()), ")"));
    }
    std::printf("     Vouches for: %s\n", absl::StrJoin(facets, "; ").c_str());
    if (!recommendation.text().empty()) {
      std::printf("     \u00ab %s \u00bb\n", recommendation.text().c_str());
    }
    if (oral) {
      std::printf("     Contact: %s (%s)\n", recommendation.contact().c_str(),
                  recommendation.availability().c_str());
    }
    std::printf("     Signed export: %zu characters, key %s\n",
                entry.signed_recommendation().size(), dossier.signature_keys().key_id().c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  Demo demo(ChannelCredentials());

  // The essay: Jacques worked with Martin at Société Générale; he vouches
  // for Martin's negotiation, explicitly not for his project planning.
  Person jacques = demo.Join("Jacques Dupont", "Directeur commercial");
  Person martin = demo.Join("Martin Durand", "Négociateur grands comptes");
  demo.Hold(jacques, iv1::POSITION_KIND_EMPLOYMENT, "Société Générale", "Directeur commercial",
            2008, 2019);
  demo.Hold(martin, iv1::POSITION_KIND_EMPLOYMENT, "SOCIETE GENERALE", "Chargé d'affaires", 2012,
            2018);
  demo.Hold(martin, iv1::POSITION_KIND_EMPLOYMENT, "Airbus", "Acheteur senior", 2018, 0);
  demo.Hold(martin, iv1::POSITION_KIND_ASSOCIATION, "Les Restos du Cœur", "Trésorier bénévole",
            2015, 0);
  const iv1::Position& shared_years = *std::find_if(
      martin.positions.begin(), martin.positions.end(), [](const iv1::Position& position) {
        return position.organization_key() == "societe generale";
      });
  // Jacques' note is his own: it never reaches a dossier.
  demo.Trust(
      jacques, martin, {Competency("Négociation"), Quality("Loyauté"), Function(shared_years)},
      {Competency("Planification de projet")}, rv1::ROLE_DIRECT_REPORT, rv1::VISIBILITY_NETWORK,
      {PositionAt(jacques, "societe generale").id(), shared_years.id()},
      "Ne pas lui confier les plannings.");
  demo.Trust(martin, jacques, {Competency("Management"), Quality("Exigence")}, {},
             rv1::ROLE_MANAGER);

  // Claire managed Martin's buying at Airbus and agrees to be called.
  Person claire = demo.Join("Claire Moreau", "Directrice des achats");
  demo.Hold(claire, iv1::POSITION_KIND_EMPLOYMENT, "Airbus", "Directrice des achats", 2016, 0);
  const iv1::Position& buying_years = PositionAt(martin, "airbus");
  demo.Trust(claire, martin,
             {Competency("Négociation"), Quality("Fiabilité"), Function(buying_years)}, {},
             rv1::ROLE_DIRECT_REPORT, rv1::VISIBILITY_NETWORK,
             {PositionAt(claire, "airbus").id(), buying_years.id()});
  demo.Trust(martin, claire, {Competency("Vente")}, {}, rv1::ROLE_MANAGER);

  // A few dozen people across organisations and time.
  const std::vector<std::pair<std::string, std::string>> organizations = {
      {"Société Générale", "Banque"},  {"Airbus", "Aéronautique"},
      {"Decathlon", "Distribution"},   {"Atelier Lumière", "PME"},
      {"Université de Lyon", "École"}, {"Les Restos du Cœur", "Association"}};
  const std::vector<std::string> first = {"Claire", "Paul",  "Amina", "Hugo",   "Léa",
                                          "Karim",  "Sofia", "Louis", "Nadia",  "Yann",
                                          "Chloé",  "Omar",  "Inès",  "Thomas", "Julie"};
  const std::vector<std::string> last = {"Martin", "Bernard", "Petit", "Moreau", "Fournier"};
  const std::vector<std::string> skills = {
      "Négociation", "Gestion de projet", "Comptabilité", "Python",
      "Vente",       "Logistique",        "Recrutement",  "Design"};
  const std::vector<std::string> qualities = {"Fiabilité", "Écoute", "Rigueur", "Humour"};
  std::mt19937 random(20261126);  // the same network at every run
  std::vector<Person> people = {jacques, martin};
  for (int i = 0; i < 30; ++i) {
    Person person = demo.Join(absl::StrCat(first[i % first.size()], " ",
                                           last[(i / first.size() + i) % last.size()], " ", i),
                              "Professionnel·le");
    for (int j = 0; j < 2; ++j) {
      const auto& [organization, sector] = organizations[random() % organizations.size()];
      int start = 2005 + static_cast<int>(random() % 15);
      int end = random() % 3 == 0 ? 0 : start + 1 + static_cast<int>(random() % 6);
      demo.Hold(person,
                sector == "École"         ? iv1::POSITION_KIND_EDUCATION
                : sector == "Association" ? iv1::POSITION_KIND_ASSOCIATION
                                          : iv1::POSITION_KIND_EMPLOYMENT,
                organization, sector == "École" ? "Étudiant·e" : "Collaborateur·rice", start, end);
    }
    people.push_back(std::move(person));
  }

  // Trust between people who overlapped: mostly mutual, some pending.
  int statements = 0;
  // Jacques and Martin's own statements stay as the essay tells them.
  for (size_t a = 0; a < people.size(); ++a) {
    for (size_t b = std::max<size_t>(a + 1, 2); b < people.size(); ++b) {
      if (random() % 6 != 0) continue;
      auto sphere = [&] {
        return std::vector<Facet>{Competency(skills[random() % skills.size()]),
                                  Quality(qualities[random() % qualities.size()])};
      };
      demo.Trust(people[a], people[b], sphere(), {}, rv1::ROLE_COLLEAGUE);
      ++statements;
      if (random() % 10 < 7) {
        demo.Trust(people[b], people[a], sphere(), {}, rv1::ROLE_COLLEAGUE);
        ++statements;
      }
    }
  }

  // Jacques recommends Martin in writing; Claire agrees to be called.
  cv1::Recommendation letter = demo.Recommend(
      jacques, martin, {Competency("négociation"), Function(shared_years)},
      "Martin a négocié nos plus grands contrats avec calme et précision.", {shared_years.id()});
  cv1::Recommendation oral =
      demo.Recommend(claire, martin, {Competency("négociation"), Function(buying_years)},
                     "Je peux parler de ses négociations avec nos fournisseurs.",
                     {buying_years.id()}, "+33 6 12 34 56 78", "en semaine, après 18 h");
  const std::string token =
      demo.ShareWith(martin, {letter.id(), oral.id()}, "recrutement@acme.example");

  std::printf("Loaded %zu people and %d trust statements (plus Jacques and Martin's).\n",
              people.size(), statements);
  std::printf("Jacques: jacques.dupont@demo.trustsphere.example / \"%s\" (id %s)\n", kPassword,
              jacques.id.c_str());
  std::printf("Martin:  martin.durand@demo.trustsphere.example / \"%s\" (id %s)\n", kPassword,
              martin.id.c_str());
  demo.Refresh(martin);
  const std::vector<iv1::Session> sessions = demo.Sessions(martin);
  const auto current = std::find_if(sessions.begin(), sessions.end(),
                                    [](const iv1::Session& session) { return session.current(); });
  std::printf("Martin's session %s (%s), refreshed once; his live sessions: %zu\n",
              current == sessions.end() ? "?" : current->id().c_str(),
              current == sessions.end() ? "?" : current->device_label().c_str(), sessions.size());
  std::printf("Martin looks for \"claire\" (SearchPeople): %s\n",
              absl::StrJoin(demo.Search(martin, "claire"), ", ").c_str());
  std::printf("Martin's share token (for a recruiter): %s\n\n", token.c_str());
  std::printf("What the recruiter reads with it, without an account:\n");
  PrintDossier(demo.ReadDossier(token));
  std::printf("\n");
  const std::string ca_file = absl::GetFlag(FLAGS_tls_ca_file);
  const std::string transport = ca_file.empty() ? "-plaintext" : "-cacert " + ca_file;
  std::printf("Try (grpcurl, or .tools/node_modules/.bin/buf curl --protocol grpc %s):\n",
              ca_file.empty() ? "--http2-prior-knowledge http://..."
                              : absl::StrCat("--cacert ", ca_file, " https://...").c_str());
  std::printf(
      "  grpcurl %s -d '{\"token\":\"%s\"}' %s "
      "trustsphere.recommendations.v1.RecommendationService/GetSharedDossier\n",
      transport.c_str(), token.c_str(), absl::GetFlag(FLAGS_recommendations_addr).c_str());
  std::printf(
      "  grpcurl %s -H 'authorization: Bearer %s' -d "
      "'{\"truster_id\":\"%s\",\"trustee_id\":\"%s\",\"facet\":{\"kind\":"
      "\"FACET_KIND_COMPETENCY\",\"key\":\"planification de projet\"}}' %s "
      "trustsphere.relationships.v1.RelationshipService/CheckTrust\n",
      transport.c_str(), martin.token.c_str(), jacques.id.c_str(), martin.id.c_str(),
      absl::GetFlag(FLAGS_relationships_addr).c_str());
  std::printf(
      "  grpcurl %s -d '{\"refresh_token\":\"%s\"}' %s "
      "trustsphere.identity.v1.IdentityService/RefreshSession   # once: a second use ends the "
      "session\n",
      transport.c_str(), martin.refresh_token.c_str(), absl::GetFlag(FLAGS_identity_addr).c_str());
  return 0;
}
