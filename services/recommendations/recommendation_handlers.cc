#include "services/recommendations/recommendation_handlers.h"

namespace trustsphere::recommendations {

#define TRUSTSPHERE_SERVE(Method, Response, AccessLevel)                                        \
  RecommendationHandlers::Reactor* RecommendationHandlers::Method(                              \
      Context* context, const v1::Method##Request* request, Response* response) {               \
    return Serve(*runner_, context, #Method, AccessLevel, logic_, &RecommendationLogic::Method, \
                 request, response);                                                            \
  }

TRUSTSPHERE_SERVE(RequestRecommendation, v1::RecommendationRequest, Access::kAuthenticated)
TRUSTSPHERE_SERVE(ListRequests, v1::ListRequestsResponse, Access::kAuthenticated)
TRUSTSPHERE_SERVE(DeclineRequest, v1::RecommendationRequest, Access::kAuthenticated)
TRUSTSPHERE_SERVE(WriteRecommendation, v1::Recommendation, Access::kAuthenticated)
TRUSTSPHERE_SERVE(ReviseRecommendation, v1::Recommendation, Access::kAuthenticated)
TRUSTSPHERE_SERVE(WithdrawRecommendation, v1::Recommendation, Access::kAuthenticated)
TRUSTSPHERE_SERVE(PublishRecommendation, v1::Recommendation, Access::kAuthenticated)
TRUSTSPHERE_SERVE(HideRecommendation, v1::Recommendation, Access::kAuthenticated)
TRUSTSPHERE_SERVE(GetRecommendation, v1::Recommendation, Access::kAuthenticated)
TRUSTSPHERE_SERVE(ListRecommendations, v1::ListRecommendationsResponse, Access::kAuthenticated)
TRUSTSPHERE_SERVE(ListRecommendationVersions, v1::ListRecommendationVersionsResponse,
                  Access::kAuthenticated)
TRUSTSPHERE_SERVE(CreateShare, v1::CreateShareResponse, Access::kAuthenticated)
// The share token is the credential.
TRUSTSPHERE_SERVE(GetSharedDossier, v1::Dossier, Access::kPublic)
TRUSTSPHERE_SERVE(RevokeShare, v1::Share, Access::kAuthenticated)
TRUSTSPHERE_SERVE(ListShares, v1::ListSharesResponse, Access::kAuthenticated)
TRUSTSPHERE_SERVE(ListAccessLog, v1::ListAccessLogResponse, Access::kAuthenticated)
TRUSTSPHERE_SERVE(ExportSignedRecommendation, v1::ExportSignedRecommendationResponse,
                  Access::kAuthenticated)

#undef TRUSTSPHERE_SERVE

RecommendationHandlers::Reactor* RecommendationHandlers::VerifyRecommendation(
    Context* context, const v1::VerifyRecommendationRequest* request,
    v1::VerifyRecommendationResponse* response) {
  return runner_->Run(context, "VerifyRecommendation", Access::kPublic, [=, this](const Caller&) {
    return Respond(logic()->VerifyRecommendation(*request), response);
  });
}

RecommendationHandlers::Reactor* RecommendationHandlers::GetPublicKeys(
    Context* context, const v1::GetPublicKeysRequest* request,
    v1::GetPublicKeysResponse* response) {
  return runner_->Run(context, "GetPublicKeys", Access::kPublic, [=, this](const Caller&) {
    *response = logic()->GetPublicKeys();
    return absl::OkStatus();
  });
}

}  // namespace trustsphere::recommendations
