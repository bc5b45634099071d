// Every RPC of every service, called by every kind of caller, against the
// three real servers: the exact status of each call, and for every refused
// call that nothing was stored (each database read before and after, from
// outside the servers). A new RPC without a row here fails the test.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/descriptor.h"
#include "tests/relationships_fixture.h"
#include "tests/support/database_contents.h"
#include "trustsphere/admin/v1/admin.grpc.pb.h"

namespace trustsphere::testing {
namespace {

namespace cv1 = recommendations_v1;
namespace av1 = ::trustsphere::admin::v1;
using Code = grpc::StatusCode;
using namespace std::chrono_literals;

enum class Caller {
  kNoToken,
  kMalformed,
  kForged,  // the owner's token with the operator role written in, old signature
  kExpired,
  kAlgNone,  // the owner's claims, "alg":"none", no signature
  kOwner,    // the person the request is about (proves the request is valid)
  kOtherPerson,
  kOperator,
  kService,
};
constexpr Caller kCallers[] = {Caller::kNoToken,     Caller::kMalformed, Caller::kForged,
                               Caller::kExpired,     Caller::kAlgNone,   Caller::kOwner,
                               Caller::kOtherPerson, Caller::kOperator,  Caller::kService};

const char* NameOf(Caller caller) {
  switch (caller) {
    case Caller::kNoToken:
      return "no token";
    case Caller::kMalformed:
      return "malformed";
    case Caller::kForged:
      return "forged";
    case Caller::kExpired:
      return "expired";
    case Caller::kAlgNone:
      return "alg:none";
    case Caller::kOwner:
      return "owner";
    case Caller::kOtherPerson:
      return "other person";
    case Caller::kOperator:
      return "operator";
    case Caller::kService:
      return "service";
  }
  return "?";
}

// Expected codes of one RPC: `anonymous` for the five callers without a
// valid token, then one per kind of valid caller.
struct Expect {
  Code anonymous;
  Code owner;
  Code other_person;
  Code operator_;
  Code service;

  Code For(Caller caller) const {
    switch (caller) {
      case Caller::kOwner:
        return owner;
      case Caller::kOtherPerson:
        return other_person;
      case Caller::kOperator:
        return operator_;
      case Caller::kService:
        return service;
      default:
        return anonymous;
    }
  }
};

constexpr Code OK = Code::OK;
constexpr Code UNAUTHENTICATED = Code::UNAUTHENTICATED;
constexpr Code DENIED = Code::PERMISSION_DENIED;
constexpr Code NOT_FOUND = Code::NOT_FOUND;
constexpr Code PRECONDITION = Code::FAILED_PRECONDITION;
// Open to every caller: the token is not read.
constexpr Expect kPublic{OK, OK, OK, OK, OK};
// The person themself, operators and services.
constexpr Expect kOwnerOrPrivileged{UNAUTHENTICATED, OK, DENIED, OK, OK};
// Identity's records: the person themself or an operator, not a service.
constexpr Expect kOwnerOrOperator{UNAUTHENTICATED, OK, DENIED, OK, DENIED};
// Operators and services only.
constexpr Expect kPrivilegedOnly{UNAUTHENTICATED, DENIED, DENIED, OK, OK};
// Any valid token (reads filter what the caller may see).
constexpr Expect kAnyAccount{UNAUTHENTICATED, OK, OK, OK, OK};

// One world per test: Alice, the subject of the requests; Carol, with whom
// she shares a mutual reference, who recommends her; Bob, somebody else.
struct World {
  Account alice, carol, bob;
  std::string position_id, position_etag;
  std::string request_id;  // Alice asked Carol for a recommendation
  std::string recommendation_id, recommendation_etag;
  std::string share_id, share_token;
  std::string signed_recommendation;
};

class AuthorizationMatrixTest : public RelationshipsTest {
 protected:
  void SetUp() override {
    RelationshipsTest::SetUp();
    ASSERT_TRUE(deployment_->StartRecommendations());
    for (const char* server : {"identity", "relationships", "recommendations"}) {
      admin_[server] = av1::AdminService::NewStub(
          (std::string(server) == "identity"        ? deployment_->identity_server()
           : std::string(server) == "relationships" ? deployment_->relationships_server()
                                                    : deployment_->recommendations_server())
              .NewChannel());
    }
    operator_token_ = deployment_->Token("ops", "operator");
    service_token_ = deployment_->Token("svc", "service");
  }

 public:
  cv1::RecommendationService::Stub& recs() { return deployment_->recommendations(); }
  av1::AdminService::Stub& admin(const std::string& server) { return *admin_.at(server); }
  using RelationshipsTest::ident;
  using RelationshipsTest::rel;

  // Fresh people and records, with names no earlier world used.
  World MakeWorld() {
    const std::string suffix = std::to_string(worlds_++);
    World w;
    w.alice = SignUp("alice" + suffix);
    w.carol = SignUp("carol" + suffix);
    w.bob = SignUp("bob" + suffix);

    iv1::AddPositionRequest position;
    position.set_person_id(w.alice.person.id());
    position.mutable_position()->set_kind(iv1::POSITION_KIND_EMPLOYMENT);
    position.mutable_position()->set_organization("Acme");
    position.mutable_position()->set_title("Buyer");
    position.mutable_position()->mutable_period()->mutable_start()->set_year(2015);
    position.mutable_position()->mutable_period()->mutable_start()->set_month(9);
    iv1::Position added;
    EXPECT_TRUE(ident().AddPosition(Context(w.alice.token).get(), position, &added).ok());
    w.position_id = added.id();
    w.position_etag = added.etag();

    Mutual(w.alice, w.carol, {Tag("negotiation")});

    cv1::RequestRecommendationRequest ask;
    ask.set_author_id(w.carol.person.id());
    *ask.add_facets() = Tag("negotiation");
    cv1::RecommendationRequest asked;
    EXPECT_TRUE(recs().RequestRecommendation(Context(w.alice.token).get(), ask, &asked).ok());
    w.request_id = asked.id();

    cv1::WriteRecommendationRequest write;
    write.mutable_recommendation()->set_subject_id(w.alice.person.id());
    write.mutable_recommendation()->set_form(cv1::FORM_WRITTEN);
    write.mutable_recommendation()->set_text("Alice negotiated our largest contract.");
    *write.mutable_recommendation()->add_facets() = Tag("negotiation");
    cv1::Recommendation letter;
    EXPECT_TRUE(recs().WriteRecommendation(Context(w.carol.token).get(), write, &letter).ok());
    w.recommendation_id = letter.id();
    cv1::PublishRecommendationRequest publish;
    publish.set_id(letter.id());
    EXPECT_TRUE(recs().PublishRecommendation(Context(w.alice.token).get(), publish, &letter).ok());
    w.recommendation_etag = letter.etag();

    cv1::CreateShareRequest share;
    share.mutable_share()->set_recruiter("recruiter@acme.example");
    share.mutable_share()->add_recommendation_ids(letter.id());
    share.mutable_share()->mutable_expire_time()->set_seconds(
        absl::ToUnixSeconds(absl::Now() + absl::Hours(1)));
    cv1::CreateShareResponse shared;
    EXPECT_TRUE(recs().CreateShare(Context(w.alice.token).get(), share, &shared).ok());
    w.share_id = shared.share().id();
    w.share_token = shared.token();

    cv1::ExportSignedRecommendationRequest exported;
    exported.set_id(letter.id());
    cv1::ExportSignedRecommendationResponse jws;
    EXPECT_TRUE(
        recs().ExportSignedRecommendation(Context(w.alice.token).get(), exported, &jws).ok());
    w.signed_recommendation = jws.jws();
    return w;
  }

  // The token `caller` presents to a request about `owner`.
  std::string TokenOf(Caller caller, const World& w, const Account& owner) {
    switch (caller) {
      case Caller::kNoToken:
        return "";
      case Caller::kMalformed:
        return "not.a-token";
      case Caller::kForged:
        return WithClaims(owner.token, [](std::string claims) {
          return absl::StrReplaceAll(claims, {{"\"user\"", "\"operator\""}});
        });
      case Caller::kExpired:
        return ExpiredToken(owner);
      case Caller::kAlgNone: {
        std::vector<std::string> parts = absl::StrSplit(owner.token, '.');
        return absl::WebSafeBase64Escape(R"({"alg":"none","typ":"JWT"})") + "." + parts[1] + ".";
      }
      case Caller::kOwner:
        return owner.token;
      case Caller::kOtherPerson:
        return w.bob.token;
      case Caller::kOperator:
        return operator_token_;
      case Caller::kService:
        return service_token_;
    }
    return "";
  }

 private:
  // The token with its claims rewritten and its signature kept.
  static std::string WithClaims(const std::string& token,
                                const std::function<std::string(std::string)>& rewrite) {
    std::vector<std::string> parts = absl::StrSplit(token, '.');
    std::string claims;
    EXPECT_EQ(parts.size(), 3u);
    EXPECT_TRUE(absl::WebSafeBase64Unescape(parts[1], &claims));
    std::string forged = rewrite(claims);
    EXPECT_NE(forged, claims);
    return parts[0] + "." + absl::WebSafeBase64Escape(forged) + "." + parts[2];
  }

  // A token of the owner, signed with identity's key, that has expired.
  std::string ExpiredToken(const Account& owner) {
    auto& token = expired_[owner.person.id()];
    if (token.empty()) {
      token = deployment_->Token(owner.person.id(), "user", "1s");
      // Expiry is checked to the second, without leeway.
      std::this_thread::sleep_for(2100ms);
    }
    return token;
  }

  int worlds_ = 0;
  std::map<std::string, std::unique_ptr<av1::AdminService::Stub>> admin_;
  std::map<std::string, std::string> expired_;
  std::string operator_token_;
  std::string service_token_;
};

using Fixture = AuthorizationMatrixTest;
using Call = std::function<grpc::Status(Fixture&, const World&, const std::string& token)>;

struct Row {
  std::string server;  // identity, relationships or recommendations
  std::string method;  // Service/Method
  Expect expect;
  Call call;
  Account World::*owner = &World::alice;
};

template <typename Stub, typename Request, typename Response>
grpc::Status Unary(Stub& stub,
                   grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                   const Request& request, const std::string& token) {
  Response response;
  return (stub.*method)(Context(token).get(), request, &response);
}

// A client stream of one message.
template <typename Stub, typename Request, typename Response>
grpc::Status OneMessageStream(
    Stub& stub,
    std::unique_ptr<grpc::ClientWriter<Request>> (Stub::*method)(grpc::ClientContext*, Response*),
    const Request& request, const std::string& token) {
  auto context = Context(token);
  Response response;
  auto writer = (stub.*method)(context.get(), &response);
  writer->Write(request);
  writer->WritesDone();
  return writer->Finish();
}

int unique_number = 0;
std::string Unique(const std::string& prefix) { return prefix + std::to_string(unique_number++); }

using IS = iv1::IdentityService::Stub;
using RS = rv1::RelationshipService::Stub;
using CS = cv1::RecommendationService::Stub;
using AS = av1::AdminService::Stub;

std::vector<Row> IdentityRows() {
  return {
      {"identity", "IdentityService/CreatePerson", kPublic,
       [](Fixture& f, const World&, const std::string& token) {
         iv1::CreatePersonRequest r;
         const std::string name = Unique("newcomer");
         r.mutable_person()->set_display_name(name);
         r.mutable_person()->set_email(name + "@example.fr");
         r.set_password("a long enough password");
         return Unary(f.ident(), &IS::CreatePerson, r, token);
       }},
      {"identity", "IdentityService/GetPerson", kAnyAccount,
       [](Fixture& f, const World& w, const std::string& token) {
         iv1::GetPersonRequest r;
         r.set_id(w.alice.person.id());
         return Unary(f.ident(), &IS::GetPerson, r, token);
       }},
      {"identity", "IdentityService/BatchGetPersons", kAnyAccount,
       [](Fixture& f, const World& w, const std::string& token) {
         iv1::BatchGetPersonsRequest r;
         r.add_ids(w.alice.person.id());
         return Unary(f.ident(), &IS::BatchGetPersons, r, token);
       }},
      {"identity", "IdentityService/UpdatePerson", kOwnerOrOperator,
       [](Fixture& f, const World& w, const std::string& token) {
         iv1::UpdatePersonRequest r;
         r.mutable_person()->set_id(w.alice.person.id());
         r.mutable_person()->set_headline("Buyer");
         r.mutable_person()->set_etag(w.alice.person.etag());
         r.mutable_update_mask()->add_paths("headline");
         return Unary(f.ident(), &IS::UpdatePerson, r, token);
       }},
      {"identity", "IdentityService/DeletePerson", kOwnerOrOperator,
       [](Fixture& f, const World& w, const std::string& token) {
         iv1::DeletePersonRequest r;
         r.set_id(w.alice.person.id());
         r.set_etag(w.alice.person.etag());
         return Unary(f.ident(), &IS::DeletePerson, r, token);
       }},
      {"identity", "IdentityService/Authenticate", kPublic,
       [](Fixture& f, const World& w, const std::string& token) {
         iv1::AuthenticateRequest r;
         r.set_email(w.alice.email);
         r.set_password(w.alice.password);
         return Unary(f.ident(), &IS::Authenticate, r, token);
       }},
      {"identity", "IdentityService/GetSigningKeys", kPublic,
       [](Fixture& f, const World&, const std::string& token) {
         return Unary(f.ident(), &IS::GetSigningKeys, iv1::GetSigningKeysRequest(), token);
       }},
      {"identity", "IdentityService/AddPosition", kOwnerOrOperator,
       [](Fixture& f, const World& w, const std::string& token) {
         iv1::AddPositionRequest r;
         r.set_person_id(w.alice.person.id());
         r.mutable_position()->set_kind(iv1::POSITION_KIND_EDUCATION);
         r.mutable_position()->set_organization("Université de Lyon");
         r.mutable_position()->set_title("Student");
         r.mutable_position()->mutable_period()->mutable_start()->set_year(2010);
         r.mutable_position()->mutable_period()->mutable_start()->set_month(9);
         return Unary(f.ident(), &IS::AddPosition, r, token);
       }},
      {"identity", "IdentityService/UpdatePosition", kOwnerOrOperator,
       [](Fixture& f, const World& w, const std::string& token) {
         iv1::UpdatePositionRequest r;
         r.mutable_position()->set_id(w.position_id);
         r.mutable_position()->set_title("Head buyer");
         r.mutable_position()->set_etag(w.position_etag);
         r.mutable_update_mask()->add_paths("title");
         return Unary(f.ident(), &IS::UpdatePosition, r, token);
       }},
      {"identity", "IdentityService/RemovePosition", kOwnerOrOperator,
       [](Fixture& f, const World& w, const std::string& token) {
         iv1::RemovePositionRequest r;
         r.set_id(w.position_id);
         r.set_etag(w.position_etag);
         return Unary(f.ident(), &IS::RemovePosition, r, token);
       }},
      {"identity", "IdentityService/BatchGetPositions", kAnyAccount,
       [](Fixture& f, const World& w, const std::string& token) {
         iv1::BatchGetPositionsRequest r;
         r.add_ids(w.position_id);
         return Unary(f.ident(), &IS::BatchGetPositions, r, token);
       }},
      {"identity", "IdentityService/ListPositions", kAnyAccount,
       [](Fixture& f, const World& w, const std::string& token) {
         iv1::ListPositionsRequest r;
         r.set_person_id(w.alice.person.id());
         return Unary(f.ident(), &IS::ListPositions, r, token);
       }},
      {"identity", "IdentityService/FindOverlappingPositions", kOwnerOrPrivileged,
       [](Fixture& f, const World& w, const std::string& token) {
         iv1::FindOverlappingPositionsRequest r;
         r.set_position_id(w.position_id);
         return Unary(f.ident(), &IS::FindOverlappingPositions, r, token);
       }},
      {"identity", "IdentityService/SearchTags", kAnyAccount,
       [](Fixture& f, const World&, const std::string& token) {
         iv1::SearchTagsRequest r;
         r.set_kind(common::v1::FACET_KIND_COMPETENCY);
         r.set_prefix("neg");
         return Unary(f.ident(), &IS::SearchTags, r, token);
       }},
      {"identity", "IdentityService/RecordTagUse", kPrivilegedOnly,
       [](Fixture& f, const World&, const std::string& token) {
         iv1::RecordTagUseRequest r;
         r.add_tags()->set_kind(common::v1::FACET_KIND_COMPETENCY);
         r.mutable_tags(0)->set_key("negotiation");
         return Unary(f.ident(), &IS::RecordTagUse, r, token);
       }},
      {"identity",
       "IdentityService/ImportPersons",
       {UNAUTHENTICATED, DENIED, DENIED, OK, DENIED},
       [](Fixture& f, const World&, const std::string& token) {
         iv1::ImportPersonsRequest r;
         const std::string id = Unique("imported");
         r.add_persons()->mutable_person()->set_id(id);
         r.mutable_persons(0)->mutable_person()->set_display_name("Imported");
         r.mutable_persons(0)->mutable_person()->set_email(id + "@import.example");
         return OneMessageStream(f.ident(), &IS::ImportPersons, r, token);
       }},
  };
}

std::vector<Row> RelationshipRows() {
  return {
      {"relationships",
       "RelationshipService/PutTrust",
       {UNAUTHENTICATED, OK, DENIED, DENIED, DENIED},
       [](Fixture& f, const World& w, const std::string& token) {
         rv1::PutTrustRequest r;
         r.mutable_statement()->set_truster_id(w.alice.person.id());
         r.mutable_statement()->set_trustee_id(w.carol.person.id());
         *r.mutable_statement()->mutable_sphere()->add_inside() = Tag("planning");
         return Unary(f.rel(), &RS::PutTrust, r, token);
       }},
      {"relationships",
       "RelationshipService/GetTrust",
       {UNAUTHENTICATED, OK, NOT_FOUND, OK, OK},
       [](Fixture& f, const World& w, const std::string& token) {
         rv1::GetTrustRequest r;
         r.set_truster_id(w.alice.person.id());
         r.set_trustee_id(w.carol.person.id());
         return Unary(f.rel(), &RS::GetTrust, r, token);
       }},
      {"relationships",
       "RelationshipService/RevokeTrust",
       {UNAUTHENTICATED, OK, DENIED, DENIED, DENIED},
       [](Fixture& f, const World& w, const std::string& token) {
         rv1::RevokeTrustRequest r;
         r.set_truster_id(w.alice.person.id());
         r.set_trustee_id(w.carol.person.id());
         return Unary(f.rel(), &RS::RevokeTrust, r, token);
       }},
      {"relationships", "RelationshipService/ListTrusted", kAnyAccount,
       [](Fixture& f, const World& w, const std::string& token) {
         rv1::ListTrustedRequest r;
         r.set_person_id(w.alice.person.id());
         return Unary(f.rel(), &RS::ListTrusted, r, token);
       }},
      {"relationships", "RelationshipService/ListTrusting", kAnyAccount,
       [](Fixture& f, const World& w, const std::string& token) {
         rv1::ListTrustingRequest r;
         r.set_person_id(w.alice.person.id());
         return Unary(f.rel(), &RS::ListTrusting, r, token);
       }},
      {"relationships", "RelationshipService/ListReferences", kAnyAccount,
       [](Fixture& f, const World& w, const std::string& token) {
         rv1::ListReferencesRequest r;
         r.set_person_id(w.alice.person.id());
         return Unary(f.rel(), &RS::ListReferences, r, token);
       }},
      {"relationships", "RelationshipService/ListPendingReciprocation", kAnyAccount,
       [](Fixture& f, const World&, const std::string& token) {
         return Unary(f.rel(), &RS::ListPendingReciprocation,
                      rv1::ListPendingReciprocationRequest(), token);
       }},
      {"relationships", "RelationshipService/CheckTrust", kAnyAccount,
       [](Fixture& f, const World& w, const std::string& token) {
         rv1::CheckTrustRequest r;
         r.set_truster_id(w.alice.person.id());
         r.set_trustee_id(w.carol.person.id());
         *r.mutable_facet() = Tag("negotiation");
         return Unary(f.rel(), &RS::CheckTrust, r, token);
       }},
      {"relationships", "RelationshipService/BatchCheckTrust", kAnyAccount,
       [](Fixture& f, const World& w, const std::string& token) {
         rv1::BatchCheckTrustRequest r;
         r.add_checks()->set_truster_id(w.alice.person.id());
         r.mutable_checks(0)->set_trustee_id(w.carol.person.id());
         *r.mutable_checks(0)->mutable_facet() = Tag("negotiation");
         return Unary(f.rel(), &RS::BatchCheckTrust, r, token);
       }},
      {"relationships", "RelationshipService/FindVouchers", kAnyAccount,
       [](Fixture& f, const World& w, const std::string& token) {
         rv1::FindVouchersRequest r;
         r.set_subject_id(w.alice.person.id());
         *r.mutable_facet() = Tag("negotiation");
         r.set_max_depth(2);
         return Unary(f.rel(), &RS::FindVouchers, r, token);
       }},
      {"relationships", "RelationshipService/SuggestReferences", kOwnerOrPrivileged,
       [](Fixture& f, const World& w, const std::string& token) {
         rv1::SuggestReferencesRequest r;
         r.set_person_id(w.alice.person.id());
         return Unary(f.rel(), &RS::SuggestReferences, r, token);
       }},
      {"relationships", "RelationshipService/GetCoverage", kAnyAccount,
       [](Fixture& f, const World& w, const std::string& token) {
         rv1::GetCoverageRequest r;
         r.set_person_id(w.alice.person.id());
         return Unary(f.rel(), &RS::GetCoverage, r, token);
       }},
      {"relationships", "RelationshipService/WatchTrustChanges", kPrivilegedOnly,
       [](Fixture& f, const World&, const std::string& token) {
         auto context = Context(token);
         auto reader = f.rel().WatchTrustChanges(context.get(), rv1::WatchTrustChangesRequest());
         rv1::TrustChange change;
         if (!reader->Read(&change)) return reader->Finish();
         // A first change arrived: the stream is open to this caller.
         context->TryCancel();
         reader->Finish();
         return grpc::Status::OK;
       }},
      {"relationships",
       "RelationshipService/ImportTrust",
       {UNAUTHENTICATED, DENIED, DENIED, OK, DENIED},
       [](Fixture& f, const World& w, const std::string& token) {
         rv1::ImportTrustRequest r;
         r.add_statements()->set_truster_id(w.bob.person.id());
         r.mutable_statements(0)->set_trustee_id(w.alice.person.id());
         return OneMessageStream(f.rel(), &RS::ImportTrust, r, token);
       }},
  };
}

std::vector<Row> RecommendationRows() {
  Account World::*carol = &World::carol;
  return {
      // The caller asks for themself: somebody else's request is their own.
      {"recommendations",
       "RecommendationService/RequestRecommendation",
       {UNAUTHENTICATED, OK, OK, DENIED, DENIED},
       [](Fixture& f, const World& w, const std::string& token) {
         cv1::RequestRecommendationRequest r;
         r.set_author_id(w.carol.person.id());
         *r.add_facets() = Tag("negotiation");
         return Unary(f.recs(), &CS::RequestRecommendation, r, token);
       }},
      {"recommendations", "RecommendationService/ListRequests", kOwnerOrPrivileged,
       [](Fixture& f, const World& w, const std::string& token) {
         cv1::ListRequestsRequest r;
         r.set_person_id(w.alice.person.id());
         r.set_sent(true);
         return Unary(f.recs(), &CS::ListRequests, r, token);
       }},
      // Requests and shares of others are not found: their ids reveal nothing.
      {"recommendations",
       "RecommendationService/DeclineRequest",
       {UNAUTHENTICATED, OK, NOT_FOUND, DENIED, DENIED},
       [](Fixture& f, const World& w, const std::string& token) {
         cv1::DeclineRequestRequest r;
         r.set_id(w.request_id);
         return Unary(f.recs(), &CS::DeclineRequest, r, token);
       },
       carol},
      {"recommendations",
       "RecommendationService/WriteRecommendation",
       {UNAUTHENTICATED, OK, PRECONDITION, DENIED, DENIED},
       [](Fixture& f, const World& w, const std::string& token) {
         cv1::WriteRecommendationRequest r;
         r.mutable_recommendation()->set_subject_id(w.alice.person.id());
         r.mutable_recommendation()->set_form(cv1::FORM_WRITTEN);
         r.mutable_recommendation()->set_text("Again: a fine negotiator.");
         *r.mutable_recommendation()->add_facets() = Tag("negotiation");
         return Unary(f.recs(), &CS::WriteRecommendation, r, token);
       },
       carol},
      {"recommendations",
       "RecommendationService/ReviseRecommendation",
       {UNAUTHENTICATED, OK, DENIED, DENIED, DENIED},
       [](Fixture& f, const World& w, const std::string& token) {
         cv1::ReviseRecommendationRequest r;
         r.mutable_recommendation()->set_id(w.recommendation_id);
         r.mutable_recommendation()->set_text("Revised: a fine negotiator.");
         r.mutable_recommendation()->set_etag(w.recommendation_etag);
         r.mutable_update_mask()->add_paths("text");
         return Unary(f.recs(), &CS::ReviseRecommendation, r, token);
       },
       carol},
      {"recommendations",
       "RecommendationService/WithdrawRecommendation",
       {UNAUTHENTICATED, OK, DENIED, DENIED, DENIED},
       [](Fixture& f, const World& w, const std::string& token) {
         cv1::WithdrawRecommendationRequest r;
         r.set_id(w.recommendation_id);
         r.set_etag(w.recommendation_etag);
         return Unary(f.recs(), &CS::WithdrawRecommendation, r, token);
       },
       carol},
      {"recommendations",
       "RecommendationService/PublishRecommendation",
       {UNAUTHENTICATED, OK, DENIED, DENIED, DENIED},
       [](Fixture& f, const World& w, const std::string& token) {
         cv1::PublishRecommendationRequest r;
         r.set_id(w.recommendation_id);
         return Unary(f.recs(), &CS::PublishRecommendation, r, token);
       }},
      {"recommendations",
       "RecommendationService/HideRecommendation",
       {UNAUTHENTICATED, OK, DENIED, DENIED, DENIED},
       [](Fixture& f, const World& w, const std::string& token) {
         cv1::HideRecommendationRequest r;
         r.set_id(w.recommendation_id);
         return Unary(f.recs(), &CS::HideRecommendation, r, token);
       }},
      // Alice published it: every account may read it.
      {"recommendations", "RecommendationService/GetRecommendation", kAnyAccount,
       [](Fixture& f, const World& w, const std::string& token) {
         cv1::GetRecommendationRequest r;
         r.set_id(w.recommendation_id);
         return Unary(f.recs(), &CS::GetRecommendation, r, token);
       }},
      {"recommendations", "RecommendationService/ListRecommendations", kAnyAccount,
       [](Fixture& f, const World& w, const std::string& token) {
         cv1::ListRecommendationsRequest r;
         r.set_subject_id(w.alice.person.id());
         return Unary(f.recs(), &CS::ListRecommendations, r, token);
       }},
      {"recommendations", "RecommendationService/ListRecommendationVersions", kOwnerOrPrivileged,
       [](Fixture& f, const World& w, const std::string& token) {
         cv1::ListRecommendationVersionsRequest r;
         r.set_id(w.recommendation_id);
         return Unary(f.recs(), &CS::ListRecommendationVersions, r, token);
       }},
      // A share is always the caller's own: another's recommendation in it is
      // a bad argument.
      {"recommendations",
       "RecommendationService/CreateShare",
       {UNAUTHENTICATED, OK, Code::INVALID_ARGUMENT, DENIED, DENIED},
       [](Fixture& f, const World& w, const std::string& token) {
         cv1::CreateShareRequest r;
         r.mutable_share()->set_recruiter("another@acme.example");
         r.mutable_share()->add_recommendation_ids(w.recommendation_id);
         r.mutable_share()->mutable_expire_time()->set_seconds(
             absl::ToUnixSeconds(absl::Now() + absl::Hours(1)));
         return Unary(f.recs(), &CS::CreateShare, r, token);
       }},
      {"recommendations", "RecommendationService/GetSharedDossier", kPublic,
       [](Fixture& f, const World& w, const std::string& token) {
         cv1::GetSharedDossierRequest r;
         r.set_token(w.share_token);
         return Unary(f.recs(), &CS::GetSharedDossier, r, token);
       }},
      {"recommendations",
       "RecommendationService/RevokeShare",
       {UNAUTHENTICATED, OK, NOT_FOUND, OK, OK},
       [](Fixture& f, const World& w, const std::string& token) {
         cv1::RevokeShareRequest r;
         r.set_id(w.share_id);
         return Unary(f.recs(), &CS::RevokeShare, r, token);
       }},
      {"recommendations", "RecommendationService/ListShares", kAnyAccount,
       [](Fixture& f, const World&, const std::string& token) {
         return Unary(f.recs(), &CS::ListShares, cv1::ListSharesRequest(), token);
       }},
      {"recommendations", "RecommendationService/ListAccessLog", kOwnerOrPrivileged,
       [](Fixture& f, const World& w, const std::string& token) {
         cv1::ListAccessLogRequest r;
         r.set_person_id(w.alice.person.id());
         return Unary(f.recs(), &CS::ListAccessLog, r, token);
       }},
      // The author or the subject only.
      {"recommendations",
       "RecommendationService/ExportSignedRecommendation",
       {UNAUTHENTICATED, OK, DENIED, DENIED, DENIED},
       [](Fixture& f, const World& w, const std::string& token) {
         cv1::ExportSignedRecommendationRequest r;
         r.set_id(w.recommendation_id);
         return Unary(f.recs(), &CS::ExportSignedRecommendation, r, token);
       }},
      {"recommendations", "RecommendationService/VerifyRecommendation", kPublic,
       [](Fixture& f, const World& w, const std::string& token) {
         cv1::VerifyRecommendationRequest r;
         r.set_jws(w.signed_recommendation);
         return Unary(f.recs(), &CS::VerifyRecommendation, r, token);
       }},
      {"recommendations", "RecommendationService/GetPublicKeys", kPublic,
       [](Fixture& f, const World&, const std::string& token) {
         return Unary(f.recs(), &CS::GetPublicKeys, cv1::GetPublicKeysRequest(), token);
       }},
  };
}

// Every server answers the operators' AdminService.
std::vector<Row> AdminRows() {
  constexpr Expect kOperatorOnly{UNAUTHENTICATED, DENIED, DENIED, OK, DENIED};
  std::vector<Row> rows;
  for (std::string server : {"identity", "relationships", "recommendations"}) {
    rows.push_back({server, "AdminService/CreateBackup", kOperatorOnly,
                    [server](Fixture& f, const World&, const std::string& token) {
                      return Unary(f.admin(server), &AS::CreateBackup, av1::CreateBackupRequest(),
                                   token);
                    }});
    rows.push_back({server, "AdminService/ListBackups", kOperatorOnly,
                    [server](Fixture& f, const World&, const std::string& token) {
                      return Unary(f.admin(server), &AS::ListBackups, av1::ListBackupsRequest(),
                                   token);
                    }});
    rows.push_back({server, "AdminService/GetStorageStats", kOperatorOnly,
                    [server](Fixture& f, const World&, const std::string& token) {
                      return Unary(f.admin(server), &AS::GetStorageStats,
                                   av1::GetStorageStatsRequest(), token);
                    }});
    rows.push_back({server, "AdminService/GetBuildInfo", kOperatorOnly,
                    [server](Fixture& f, const World&, const std::string& token) {
                      return Unary(f.admin(server), &AS::GetBuildInfo, av1::GetBuildInfoRequest(),
                                   token);
                    }});
  }
  return rows;
}

std::vector<Row> AllRows() {
  std::vector<Row> rows;
  for (auto part : {IdentityRows(), RelationshipRows(), RecommendationRows(), AdminRows()}) {
    for (auto& row : part) rows.push_back(std::move(row));
  }
  return rows;
}

std::string Describe(const Row& row, Caller caller, const grpc::Status& status) {
  return absl::StrCat(row.server, " ", row.method, " by ", NameOf(caller), ": got ",
                      status.error_code(), " (", status.error_message(), ")");
}

TEST(AuthorizationMatrixCoverage, EveryRpcOfEveryServerHasARow) {
  std::set<std::string> covered;
  for (const Row& row : AllRows()) covered.insert(row.server + " " + row.method);
  const std::map<std::string, std::vector<std::string>> services = {
      {"identity",
       {"trustsphere.identity.v1.IdentityService", "trustsphere.admin.v1.AdminService"}},
      {"relationships",
       {"trustsphere.relationships.v1.RelationshipService", "trustsphere.admin.v1.AdminService"}},
      {"recommendations",
       {"trustsphere.recommendations.v1.RecommendationService",
        "trustsphere.admin.v1.AdminService"}}};
  size_t methods = 0;
  for (const auto& [server, names] : services) {
    for (const auto& name : names) {
      const auto* service =
          google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name);
      ASSERT_NE(service, nullptr) << name;
      for (int i = 0; i < service->method_count(); ++i, ++methods) {
        EXPECT_TRUE(
            covered.contains(server + " " + service->name() + "/" + service->method(i)->name()))
            << server << " " << service->method(i)->full_name() << " has no row";
      }
    }
  }
  EXPECT_EQ(covered.size(), methods) << "a row names an RPC that does not exist";
}

// Every call expected to fail, made against one world; the three databases
// are read before and after.
TEST_F(AuthorizationMatrixTest, RefusedCallsGetTheirExactStatusAndChangeNothing) {
  const std::vector<Row> rows = AllRows();
  const World world = MakeWorld();
  std::map<std::pair<size_t, Caller>, std::string> tokens;
  for (size_t i = 0; i < rows.size(); ++i) {
    for (Caller caller : kCallers) {
      tokens[{i, caller}] = TokenOf(caller, world, world.*rows[i].owner);
    }
  }
  // Let the writes the world caused settle (tag uses are sent each second,
  // recommendations follows the trust changes).
  std::this_thread::sleep_for(2500ms);
  const char* kServers[] = {"identity", "relationships", "recommendations"};
  std::map<std::string, DatabaseContents> before;
  for (const char* server : kServers)
    before[server] = ReadDatabase(deployment_->DatabaseDir(server));

  int refused = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    for (Caller caller : kCallers) {
      const Code expected = rows[i].expect.For(caller);
      if (expected == OK) continue;
      grpc::Status status = rows[i].call(*this, world, tokens[{i, caller}]);
      EXPECT_EQ(status.error_code(), expected) << Describe(rows[i], caller, status);
      ++refused;
    }
  }
  // A share token that is truncated or guessed opens nothing and logs nothing.
  for (const std::string& guess : {world.share_token.substr(0, world.share_token.size() - 1),
                                   std::string(world.share_token.size(), 'A')}) {
    cv1::GetSharedDossierRequest request;
    request.set_token(guess);
    cv1::Dossier dossier;
    EXPECT_EQ(recs().GetSharedDossier(Context().get(), request, &dossier).error_code(), NOT_FOUND);
    ++refused;
  }
  std::this_thread::sleep_for(2500ms);
  for (const char* server : kServers) {
    EXPECT_EQ(DescribeDifference(before[server], ReadDatabase(deployment_->DatabaseDir(server))),
              "")
        << server << " changed after " << refused << " refused calls";
  }
  EXPECT_GT(refused, 200);
}

// Every call expected to succeed, each in a world of its own (a success may
// delete or revoke what the next one needs).
TEST_F(AuthorizationMatrixTest, AllowedCallsSucceed) {
  const std::vector<Row> rows = AllRows();
  for (const Row& row : rows) {
    for (Caller caller : kCallers) {
      if (row.expect.For(caller) != OK) continue;
      const World world = MakeWorld();
      grpc::Status status = row.call(*this, world, TokenOf(caller, world, world.*row.owner));
      EXPECT_TRUE(status.ok()) << Describe(row, caller, status);
    }
  }
}

}  // namespace
}  // namespace trustsphere::testing
