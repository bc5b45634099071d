#include "tests/support/rpc_catalog.h"

#include <gtest/gtest.h>

#include "absl/time/clock.h"
#include "grpcpp/impl/client_unary_call.h"
#include "grpcpp/support/sync_stream.h"
#include "tests/support/identity_client.h"
#include "trustsphere/admin/v1/admin.grpc.pb.h"

namespace trustsphere::testing {
namespace {

namespace iv1 = identity_v1;
namespace rv1 = relationships_v1;
namespace cv1 = recommendations_v1;
namespace av1 = ::trustsphere::admin::v1;

common::v1::Facet Tag(const std::string& key) {
  common::v1::Facet facet;
  facet.set_kind(common::v1::FACET_KIND_COMPETENCY);
  facet.set_key(key);
  return facet;
}

template <typename T>
Request Own(T message) {
  return std::make_unique<T>(std::move(message));
}

constexpr Code PRECONDITION = Code::FAILED_PRECONDITION;

int unique_number = 0;
std::string Unique(const std::string& prefix) { return prefix + std::to_string(unique_number++); }

std::vector<RpcCase> IdentityRpcCases() {
  return {
      {"identity", "IdentityService/CreatePerson", kPublic,
       [](const World&) -> Request {
         iv1::CreatePersonRequest r;
         const std::string name = Unique("newcomer");
         r.mutable_person()->set_display_name(name);
         r.mutable_person()->set_email(name + "@example.fr");
         r.set_password("a long enough password");
         return Own(std::move(r));
       }},
      {"identity", "IdentityService/GetPerson", kAnyAccount,
       [](const World& w) -> Request {
         iv1::GetPersonRequest r;
         r.set_id(w.alice.person.id());
         return Own(std::move(r));
       }},
      {"identity", "IdentityService/BatchGetPersons", kAnyAccount,
       [](const World& w) -> Request {
         iv1::BatchGetPersonsRequest r;
         r.add_ids(w.alice.person.id());
         return Own(std::move(r));
       }},
      {"identity", "IdentityService/UpdatePerson", kOwnerOrOperator,
       [](const World& w) -> Request {
         iv1::UpdatePersonRequest r;
         r.mutable_person()->set_id(w.alice.person.id());
         r.mutable_person()->set_headline("Buyer");
         r.mutable_person()->set_etag(w.alice.person.etag());
         r.mutable_update_mask()->add_paths("headline");
         return Own(std::move(r));
       }},
      {"identity", "IdentityService/DeletePerson", kOwnerOrOperator,
       [](const World& w) -> Request {
         iv1::DeletePersonRequest r;
         r.set_id(w.alice.person.id());
         r.set_etag(w.alice.person.etag());
         return Own(std::move(r));
       }},
      {"identity", "IdentityService/Authenticate", kPublic,
       [](const World& w) -> Request {
         iv1::AuthenticateRequest r;
         r.set_email(w.alice.email);
         r.set_password(w.alice.password);
         r.set_device_label("Téléphone");
         return Own(std::move(r));
       }},
      {"identity", "IdentityService/RefreshSession", kPublic,
       [](const World& w) -> Request {
         iv1::RefreshSessionRequest r;
         r.set_refresh_token(w.alice.refresh_token);
         return Own(std::move(r));
       }},
      {"identity", "IdentityService/ListSessions", kOwnerOrOperator,
       [](const World& w) -> Request {
         iv1::ListSessionsRequest r;
         r.set_person_id(w.alice.person.id());
         return Own(std::move(r));
       }},
      // The second device's session: Alice's token stays valid for the
      // rows after these.
      {"identity", "IdentityService/RevokeSession", kOwnerOrOperator,
       [](const World& w) -> Request {
         iv1::RevokeSessionRequest r;
         r.set_person_id(w.alice.person.id());
         r.set_session_id(w.alice_second_session_id);
         return Own(std::move(r));
       }},
      {"identity", "IdentityService/RevokeAllSessions", kOwnerOrOperator,
       [](const World& w) -> Request {
         iv1::RevokeAllSessionsRequest r;
         r.set_person_id(w.alice.person.id());
         r.set_keep_current(true);
         return Own(std::move(r));
       }},
      {"identity", "IdentityService/ChangePassword", kOwnerOnly,
       [](const World& w) -> Request {
         iv1::ChangePasswordRequest r;
         r.set_person_id(w.alice.person.id());
         r.set_old_password(w.alice.password);
         r.set_new_password("another long password");
         return Own(std::move(r));
       }},
      {"identity", "IdentityService/GetSigningKeys", kPublic,
       [](const World&) -> Request { return Own(iv1::GetSigningKeysRequest()); }},
      {"identity", "IdentityService/AddPosition", kOwnerOrOperator,
       [](const World& w) -> Request {
         iv1::AddPositionRequest r;
         r.set_person_id(w.alice.person.id());
         r.mutable_position()->set_kind(iv1::POSITION_KIND_EDUCATION);
         r.mutable_position()->set_organization("Université de Lyon");
         r.mutable_position()->set_title("Student");
         r.mutable_position()->mutable_period()->mutable_start()->set_year(2010);
         r.mutable_position()->mutable_period()->mutable_start()->set_month(9);
         return Own(std::move(r));
       }},
      {"identity", "IdentityService/UpdatePosition", kOwnerOrOperator,
       [](const World& w) -> Request {
         iv1::UpdatePositionRequest r;
         r.mutable_position()->set_id(w.position_id);
         r.mutable_position()->set_title("Head buyer");
         r.mutable_position()->set_etag(w.position_etag);
         r.mutable_update_mask()->add_paths("title");
         return Own(std::move(r));
       }},
      {"identity", "IdentityService/RemovePosition", kOwnerOrOperator,
       [](const World& w) -> Request {
         iv1::RemovePositionRequest r;
         r.set_id(w.position_id);
         r.set_etag(w.position_etag);
         return Own(std::move(r));
       }},
      {"identity", "IdentityService/BatchGetPositions", kAnyAccount,
       [](const World& w) -> Request {
         iv1::BatchGetPositionsRequest r;
         r.add_ids(w.position_id);
         return Own(std::move(r));
       }},
      {"identity", "IdentityService/ListPositions", kAnyAccount,
       [](const World& w) -> Request {
         iv1::ListPositionsRequest r;
         r.set_person_id(w.alice.person.id());
         return Own(std::move(r));
       }},
      {"identity", "IdentityService/FindOverlappingPositions", kOwnerOrPrivileged,
       [](const World& w) -> Request {
         iv1::FindOverlappingPositionsRequest r;
         r.set_position_id(w.position_id);
         return Own(std::move(r));
       }},
      {"identity", "IdentityService/SearchPeople", kAnyAccount,
       [](const World& w) -> Request {
         iv1::SearchPeopleRequest r;
         r.set_name_prefix(w.alice.person.display_name());
         r.set_organization("Acme");
         return Own(std::move(r));
       }},
      {"identity", "IdentityService/SearchTags", kAnyAccount,
       [](const World&) -> Request {
         iv1::SearchTagsRequest r;
         r.set_kind(common::v1::FACET_KIND_COMPETENCY);
         r.set_prefix("neg");
         return Own(std::move(r));
       }},
      {"identity", "IdentityService/BatchGetTags", kAnyAccount,
       [](const World&) -> Request {
         iv1::BatchGetTagsRequest r;
         *r.add_facets() = Tag("negotiation");
         return Own(std::move(r));
       }},
      {"identity", "IdentityService/RecordTagUse", kPrivilegedOnly,
       [](const World&) -> Request {
         iv1::RecordTagUseRequest r;
         r.add_tags()->set_kind(common::v1::FACET_KIND_COMPETENCY);
         r.mutable_tags(0)->set_key("negotiation");
         return Own(std::move(r));
       }},
      {"identity", "IdentityService/ListIdentityChanges", kPrivilegedOnly,
       [](const World&) -> Request {
         iv1::ListIdentityChangesRequest r;
         r.set_page_size(10);
         return Own(std::move(r));
       }},
      {"identity",
       "IdentityService/ImportPersons",
       {UNAUTHENTICATED, DENIED, DENIED, OK, DENIED},
       [](const World&) -> Request {
         iv1::ImportPersonsRequest r;
         const std::string id = Unique("imported");
         r.add_persons()->mutable_person()->set_id(id);
         r.mutable_persons(0)->mutable_person()->set_display_name("Imported");
         r.mutable_persons(0)->mutable_person()->set_email(id + "@import.example");
         return Own(std::move(r));
       }},
  };
}

std::vector<RpcCase> RelationshipRpcCases() {
  return {
      {"relationships",
       "RelationshipService/PutTrust",
       {UNAUTHENTICATED, OK, DENIED, DENIED, DENIED},
       [](const World& w) -> Request {
         rv1::PutTrustRequest r;
         r.mutable_statement()->set_truster_id(w.alice.person.id());
         r.mutable_statement()->set_trustee_id(w.carol.person.id());
         *r.mutable_statement()->mutable_sphere()->add_inside() = Tag("planning");
         return Own(std::move(r));
       }},
      {"relationships",
       "RelationshipService/GetTrust",
       {UNAUTHENTICATED, OK, NOT_FOUND, OK, OK},
       [](const World& w) -> Request {
         rv1::GetTrustRequest r;
         r.set_truster_id(w.alice.person.id());
         r.set_trustee_id(w.carol.person.id());
         return Own(std::move(r));
       }},
      // Statements the caller may not see are left out: an empty answer.
      {"relationships", "RelationshipService/BatchGetTrust", kAnyAccount,
       [](const World& w) -> Request {
         rv1::BatchGetTrustRequest r;
         r.add_pairs()->set_truster_id(w.alice.person.id());
         r.mutable_pairs(0)->set_trustee_id(w.carol.person.id());
         return Own(std::move(r));
       }},
      {"relationships",
       "RelationshipService/RevokeTrust",
       {UNAUTHENTICATED, OK, DENIED, DENIED, DENIED},
       [](const World& w) -> Request {
         rv1::RevokeTrustRequest r;
         r.set_truster_id(w.alice.person.id());
         r.set_trustee_id(w.carol.person.id());
         return Own(std::move(r));
       }},
      {"relationships", "RelationshipService/ListTrusted", kAnyAccount,
       [](const World& w) -> Request {
         rv1::ListTrustedRequest r;
         r.set_person_id(w.alice.person.id());
         return Own(std::move(r));
       }},
      {"relationships", "RelationshipService/ListTrusting", kAnyAccount,
       [](const World& w) -> Request {
         rv1::ListTrustingRequest r;
         r.set_person_id(w.alice.person.id());
         return Own(std::move(r));
       }},
      {"relationships", "RelationshipService/ListReferences", kAnyAccount,
       [](const World& w) -> Request {
         rv1::ListReferencesRequest r;
         r.set_person_id(w.alice.person.id());
         return Own(std::move(r));
       }},
      {"relationships", "RelationshipService/ListPendingReciprocation", kAnyAccount,
       [](const World&) -> Request { return Own(rv1::ListPendingReciprocationRequest()); }},
      {"relationships", "RelationshipService/CheckTrust", kAnyAccount,
       [](const World& w) -> Request {
         rv1::CheckTrustRequest r;
         r.set_truster_id(w.alice.person.id());
         r.set_trustee_id(w.carol.person.id());
         *r.mutable_facet() = Tag("negotiation");
         return Own(std::move(r));
       }},
      {"relationships", "RelationshipService/BatchCheckTrust", kAnyAccount,
       [](const World& w) -> Request {
         rv1::BatchCheckTrustRequest r;
         r.add_checks()->set_truster_id(w.alice.person.id());
         r.mutable_checks(0)->set_trustee_id(w.carol.person.id());
         *r.mutable_checks(0)->mutable_facet() = Tag("negotiation");
         return Own(std::move(r));
       }},
      {"relationships", "RelationshipService/FindVouchers", kAnyAccount,
       [](const World& w) -> Request {
         rv1::FindVouchersRequest r;
         r.set_subject_id(w.alice.person.id());
         *r.mutable_facet() = Tag("negotiation");
         r.set_max_depth(2);
         return Own(std::move(r));
       }},
      {"relationships", "RelationshipService/SuggestReferences", kOwnerOrPrivileged,
       [](const World& w) -> Request {
         rv1::SuggestReferencesRequest r;
         r.set_person_id(w.alice.person.id());
         return Own(std::move(r));
       }},
      {"relationships", "RelationshipService/GetCoverage", kAnyAccount,
       [](const World& w) -> Request {
         rv1::GetCoverageRequest r;
         r.set_person_id(w.alice.person.id());
         return Own(std::move(r));
       }},
      {"relationships", "RelationshipService/WatchTrustChanges", kPrivilegedOnly,
       [](const World&) -> Request { return Own(rv1::WatchTrustChangesRequest()); }},
      {"relationships",
       "RelationshipService/ImportTrust",
       {UNAUTHENTICATED, DENIED, DENIED, OK, DENIED},
       [](const World& w) -> Request {
         rv1::ImportTrustRequest r;
         r.add_statements()->set_truster_id(w.bob.person.id());
         r.mutable_statements(0)->set_trustee_id(w.alice.person.id());
         return Own(std::move(r));
       }},
  };
}

std::vector<RpcCase> RecommendationRpcCases() {
  Account World::*carol = &World::carol;
  return {
      // The caller asks for themself: somebody else's request is their own.
      // Carol has no open request to Alice yet (Alice's to Carol is open).
      {"recommendations",
       "RecommendationService/RequestRecommendation",
       {UNAUTHENTICATED, OK, OK, DENIED, DENIED},
       [](const World& w) -> Request {
         cv1::RequestRecommendationRequest r;
         r.set_author_id(w.alice.person.id());
         *r.add_facets() = Tag("negotiation");
         return Own(std::move(r));
       },
       carol},
      // An author's blocks are their own, whoever calls: only people block.
      {"recommendations",
       "RecommendationService/BlockRequester",
       {UNAUTHENTICATED, OK, OK, DENIED, DENIED},
       [](const World& w) -> Request {
         cv1::BlockRequesterRequest r;
         r.set_person_id(w.alice.person.id());
         return Own(std::move(r));
       },
       carol},
      {"recommendations",
       "RecommendationService/UnblockRequester",
       {UNAUTHENTICATED, OK, OK, DENIED, DENIED},
       [](const World& w) -> Request {
         cv1::UnblockRequesterRequest r;
         r.set_person_id(w.alice.person.id());
         return Own(std::move(r));
       },
       carol},
      {"recommendations",
       "RecommendationService/ListBlockedRequesters",
       {UNAUTHENTICATED, OK, OK, DENIED, DENIED},
       [](const World&) -> Request { return Own(cv1::ListBlockedRequestersRequest()); },
       carol},
      {"recommendations", "RecommendationService/ListRequests", kOwnerOrPrivileged,
       [](const World& w) -> Request {
         cv1::ListRequestsRequest r;
         r.set_person_id(w.alice.person.id());
         r.set_sent(true);
         return Own(std::move(r));
       }},
      // Requests and shares of others are not found: their ids reveal nothing.
      {"recommendations",
       "RecommendationService/DeclineRequest",
       {UNAUTHENTICATED, OK, NOT_FOUND, DENIED, DENIED},
       [](const World& w) -> Request {
         cv1::DeclineRequestRequest r;
         r.set_id(w.request_id);
         return Own(std::move(r));
       },
       carol},
      {"recommendations",
       "RecommendationService/WriteRecommendation",
       {UNAUTHENTICATED, OK, PRECONDITION, DENIED, DENIED},
       [](const World& w) -> Request {
         cv1::WriteRecommendationRequest r;
         r.mutable_recommendation()->set_subject_id(w.alice.person.id());
         r.mutable_recommendation()->set_form(cv1::FORM_WRITTEN);
         r.mutable_recommendation()->set_text("Again: a fine negotiator.");
         *r.mutable_recommendation()->add_facets() = Tag("negotiation");
         return Own(std::move(r));
       },
       carol},
      {"recommendations",
       "RecommendationService/ReviseRecommendation",
       {UNAUTHENTICATED, OK, DENIED, DENIED, DENIED},
       [](const World& w) -> Request {
         cv1::ReviseRecommendationRequest r;
         r.mutable_recommendation()->set_id(w.recommendation_id);
         r.mutable_recommendation()->set_text("Revised: a fine negotiator.");
         r.mutable_recommendation()->set_etag(w.recommendation_etag);
         r.mutable_update_mask()->add_paths("text");
         return Own(std::move(r));
       },
       carol},
      {"recommendations",
       "RecommendationService/WithdrawRecommendation",
       {UNAUTHENTICATED, OK, DENIED, DENIED, DENIED},
       [](const World& w) -> Request {
         cv1::WithdrawRecommendationRequest r;
         r.set_id(w.recommendation_id);
         r.set_etag(w.recommendation_etag);
         return Own(std::move(r));
       },
       carol},
      {"recommendations",
       "RecommendationService/PublishRecommendation",
       {UNAUTHENTICATED, OK, DENIED, DENIED, DENIED},
       [](const World& w) -> Request {
         cv1::PublishRecommendationRequest r;
         r.set_id(w.recommendation_id);
         return Own(std::move(r));
       }},
      {"recommendations",
       "RecommendationService/HideRecommendation",
       {UNAUTHENTICATED, OK, DENIED, DENIED, DENIED},
       [](const World& w) -> Request {
         cv1::HideRecommendationRequest r;
         r.set_id(w.recommendation_id);
         return Own(std::move(r));
       }},
      // Alice published it: every account may read it.
      {"recommendations", "RecommendationService/GetRecommendation", kAnyAccount,
       [](const World& w) -> Request {
         cv1::GetRecommendationRequest r;
         r.set_id(w.recommendation_id);
         return Own(std::move(r));
       }},
      {"recommendations", "RecommendationService/ListRecommendations", kAnyAccount,
       [](const World& w) -> Request {
         cv1::ListRecommendationsRequest r;
         r.set_subject_id(w.alice.person.id());
         return Own(std::move(r));
       }},
      {"recommendations", "RecommendationService/ListRecommendationVersions", kOwnerOrPrivileged,
       [](const World& w) -> Request {
         cv1::ListRecommendationVersionsRequest r;
         r.set_id(w.recommendation_id);
         return Own(std::move(r));
       }},
      // A share is always the caller's own: another's recommendation in it is
      // a bad argument.
      {"recommendations",
       "RecommendationService/CreateShare",
       {UNAUTHENTICATED, OK, Code::INVALID_ARGUMENT, DENIED, DENIED},
       [](const World& w) -> Request {
         cv1::CreateShareRequest r;
         r.mutable_share()->set_recruiter("another@acme.example");
         r.mutable_share()->add_recommendation_ids(w.recommendation_id);
         r.mutable_share()->mutable_expire_time()->set_seconds(
             absl::ToUnixSeconds(absl::Now() + absl::Hours(1)));
         return Own(std::move(r));
       }},
      {"recommendations", "RecommendationService/GetSharedDossier", kPublic,
       [](const World& w) -> Request {
         cv1::GetSharedDossierRequest r;
         r.set_token(w.share_token);
         return Own(std::move(r));
       }},
      {"recommendations",
       "RecommendationService/RevokeShare",
       {UNAUTHENTICATED, OK, NOT_FOUND, OK, OK},
       [](const World& w) -> Request {
         cv1::RevokeShareRequest r;
         r.set_id(w.share_id);
         return Own(std::move(r));
       }},
      {"recommendations", "RecommendationService/ListShares", kAnyAccount,
       [](const World&) -> Request { return Own(cv1::ListSharesRequest()); }},
      {"recommendations", "RecommendationService/ListAccessLog", kOwnerOrPrivileged,
       [](const World& w) -> Request {
         cv1::ListAccessLogRequest r;
         r.set_person_id(w.alice.person.id());
         return Own(std::move(r));
       }},
      // The author or the subject only.
      {"recommendations",
       "RecommendationService/ExportSignedRecommendation",
       {UNAUTHENTICATED, OK, DENIED, DENIED, DENIED},
       [](const World& w) -> Request {
         cv1::ExportSignedRecommendationRequest r;
         r.set_id(w.recommendation_id);
         return Own(std::move(r));
       }},
      {"recommendations", "RecommendationService/VerifyRecommendation", kPublic,
       [](const World& w) -> Request {
         cv1::VerifyRecommendationRequest r;
         r.set_jws(w.signed_recommendation);
         return Own(std::move(r));
       }},
      {"recommendations", "RecommendationService/GetPublicKeys", kPublic,
       [](const World&) -> Request { return Own(cv1::GetPublicKeysRequest()); }},
  };
}

// Every server answers the operators' AdminService.
std::vector<RpcCase> AdminRpcCases() {
  constexpr Expect kOperatorOnly{UNAUTHENTICATED, DENIED, DENIED, OK, DENIED};
  std::vector<RpcCase> rows;
  for (std::string server : {"identity", "relationships", "recommendations"}) {
    rows.push_back({server, "AdminService/CreateBackup", kOperatorOnly,
                    [](const World&) { return Own(av1::CreateBackupRequest()); }});
    rows.push_back({server, "AdminService/ListBackups", kOperatorOnly,
                    [](const World&) { return Own(av1::ListBackupsRequest()); }});
    rows.push_back({server, "AdminService/GetStorageStats", kOperatorOnly,
                    [](const World&) { return Own(av1::GetStorageStatsRequest()); }});
    rows.push_back({server, "AdminService/GetBuildInfo", kOperatorOnly,
                    [](const World&) { return Own(av1::GetBuildInfoRequest()); }});
  }
  return rows;
}

}  // namespace

std::vector<RpcCase> AllRpcs() {
  std::vector<RpcCase> rows;
  for (auto part :
       {IdentityRpcCases(), RelationshipRpcCases(), RecommendationRpcCases(), AdminRpcCases()}) {
    for (auto& row : part) rows.push_back(std::move(row));
  }
  return rows;
}

World MakeWorld(Deployment& deployment, int n) {
  const std::string suffix = std::to_string(n);
  auto& identity = deployment.identity();
  auto& relationships = deployment.relationships();
  auto& recommendations = deployment.recommendations();
  World w;
  w.alice = deployment.SignUp("alice" + suffix);
  w.carol = deployment.SignUp("carol" + suffix);
  w.bob = deployment.SignUp("bob" + suffix);
  iv1::AuthenticateRequest second_login;
  second_login.set_email(w.alice.email);
  second_login.set_password(w.alice.password);
  second_login.set_device_label("Second device");
  iv1::AuthenticateResponse second_session;
  EXPECT_TRUE(identity.Authenticate(Context().get(), second_login, &second_session).ok());
  w.alice_second_session_id = second_session.session_id();

  iv1::AddPositionRequest position;
  position.set_person_id(w.alice.person.id());
  position.mutable_position()->set_kind(iv1::POSITION_KIND_EMPLOYMENT);
  position.mutable_position()->set_organization("Acme");
  position.mutable_position()->set_title("Buyer");
  position.mutable_position()->mutable_period()->mutable_start()->set_year(2015);
  position.mutable_position()->mutable_period()->mutable_start()->set_month(9);
  iv1::Position added;
  EXPECT_TRUE(identity.AddPosition(Context(w.alice.token).get(), position, &added).ok());
  w.position_id = added.id();
  w.position_etag = added.etag();

  for (auto [truster, trustee] : {std::pair{&w.alice, &w.carol}, {&w.carol, &w.alice}}) {
    rv1::PutTrustRequest put;
    put.mutable_statement()->set_trustee_id(trustee->person.id());
    *put.mutable_statement()->mutable_sphere()->add_inside() = Tag("negotiation");
    rv1::TrustStatement statement;
    EXPECT_TRUE(relationships.PutTrust(Context(truster->token).get(), put, &statement).ok());
  }

  cv1::RequestRecommendationRequest ask;
  ask.set_author_id(w.carol.person.id());
  *ask.add_facets() = Tag("negotiation");
  cv1::RecommendationRequest asked;
  EXPECT_TRUE(
      recommendations.RequestRecommendation(Context(w.alice.token).get(), ask, &asked).ok());
  w.request_id = asked.id();

  cv1::WriteRecommendationRequest write;
  write.mutable_recommendation()->set_subject_id(w.alice.person.id());
  write.mutable_recommendation()->set_form(cv1::FORM_WRITTEN);
  write.mutable_recommendation()->set_text("Alice negotiated our largest contract.");
  *write.mutable_recommendation()->add_facets() = Tag("negotiation");
  cv1::Recommendation letter;
  EXPECT_TRUE(
      recommendations.WriteRecommendation(Context(w.carol.token).get(), write, &letter).ok());
  w.recommendation_id = letter.id();
  cv1::PublishRecommendationRequest publish;
  publish.set_id(letter.id());
  EXPECT_TRUE(
      recommendations.PublishRecommendation(Context(w.alice.token).get(), publish, &letter).ok());
  w.recommendation_etag = letter.etag();

  cv1::CreateShareRequest share;
  share.mutable_share()->set_recruiter("recruiter@acme.example");
  share.mutable_share()->add_recommendation_ids(letter.id());
  share.mutable_share()->mutable_expire_time()->set_seconds(
      absl::ToUnixSeconds(absl::Now() + absl::Hours(1)));
  cv1::CreateShareResponse shared;
  EXPECT_TRUE(recommendations.CreateShare(Context(w.alice.token).get(), share, &shared).ok());
  w.share_id = shared.share().id();
  w.share_token = shared.token();

  cv1::ExportSignedRecommendationRequest exported;
  exported.set_id(letter.id());
  cv1::ExportSignedRecommendationResponse jws;
  EXPECT_TRUE(
      recommendations.ExportSignedRecommendation(Context(w.alice.token).get(), exported, &jws)
          .ok());
  w.signed_recommendation = jws.jws();
  return w;
}

const google::protobuf::MethodDescriptor& RpcCase::Descriptor() const {
  const std::string service = method.substr(0, method.find('/'));
  for (const char* package : {"trustsphere.identity.v1.", "trustsphere.relationships.v1.",
                              "trustsphere.recommendations.v1.", "trustsphere.admin.v1."}) {
    const auto* found =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(package + service);
    if (found == nullptr) continue;
    const auto* rpc = found->FindMethodByName(method.substr(method.find('/') + 1));
    if (rpc != nullptr) return *rpc;
  }
  ADD_FAILURE() << method << " is no RPC";
  std::abort();
}

grpc::Status CatalogClient::Call(const RpcCase& rpc, const google::protobuf::Message& request,
                                 const std::string& token, std::string* answer) {
  std::shared_ptr<grpc::Channel>& open = channels_[rpc.server];
  if (open == nullptr) {
    open = (rpc.server == "identity"        ? deployment_.identity_server()
            : rpc.server == "relationships" ? deployment_.relationships_server()
                                            : deployment_.recommendations_server())
               .NewChannel();
  }
  grpc::Channel& channel = *open;
  const google::protobuf::MethodDescriptor& method = rpc.Descriptor();
  const std::string path = "/" + method.service()->full_name() + "/" + method.name();
  std::unique_ptr<google::protobuf::Message> response(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(method.output_type())
          ->New());
  auto context = Context(token);
  using grpc::internal::RpcMethod;
  if (method.client_streaming()) {
    std::unique_ptr<grpc::ClientWriter<google::protobuf::Message>> writer(
        grpc::internal::ClientWriterFactory<google::protobuf::Message>::Create(
            &channel, RpcMethod(path.c_str(), RpcMethod::CLIENT_STREAMING), context.get(),
            response.get()));
    writer->Write(request);
    writer->WritesDone();
    grpc::Status status = writer->Finish();
    if (status.ok() && answer != nullptr) *answer = response->SerializeAsString();
    return status;
  }
  if (method.server_streaming()) {
    std::unique_ptr<grpc::ClientReader<google::protobuf::Message>> reader(
        grpc::internal::ClientReaderFactory<google::protobuf::Message>::Create(
            &channel, RpcMethod(path.c_str(), RpcMethod::SERVER_STREAMING), context.get(),
            request));
    if (!reader->Read(response.get())) return reader->Finish();
    // A first message arrived: the stream is open to this caller.
    context->TryCancel();
    reader->Finish();
    if (answer != nullptr) *answer = response->SerializeAsString();
    return grpc::Status::OK;
  }
  grpc::Status status =
      grpc::internal::BlockingUnaryCall(&channel, RpcMethod(path.c_str(), RpcMethod::NORMAL_RPC),
                                        context.get(), request, response.get());
  if (status.ok() && answer != nullptr) *answer = response->SerializeAsString();
  return status;
}

}  // namespace trustsphere::testing
