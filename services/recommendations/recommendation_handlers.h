#pragma once

// gRPC handlers of trustsphere.recommendations.v1.RecommendationService:
// each hands the request to RecommendationLogic through the RpcRunner
// (unary_handlers.h).

#include <atomic>

#include "services/common/server/request_parsing.h"
#include "services/common/server/unary_handlers.h"
#include "services/recommendations/recommendation_logic.h"
#include "trustsphere/recommendations/v1/recommendations.grpc.pb.h"

// Method, response, who may call, where the body runs. Everything that
// writes or asks relationships or identity blocks; reads of local records
// and key material are quick. The share token is GetSharedDossier's
// credential; anyone may verify a signed export or fetch the keys.
#define TRUSTSPHERE_RECOMMENDATION_RPCS(RPC)                                                \
  RPC(RequestRecommendation, v1::RecommendationRequest, kAuthenticated, kBlocking)          \
  RPC(ListRequests, v1::ListRequestsResponse, kAuthenticated, kQuickRead)                   \
  RPC(DeclineRequest, v1::RecommendationRequest, kAuthenticated, kBlocking)                 \
  RPC(BlockRequester, v1::BlockedRequester, kAuthenticated, kBlocking)                      \
  RPC(UnblockRequester, v1::UnblockRequesterResponse, kAuthenticated, kBlocking)            \
  RPC(ListBlockedRequesters, v1::ListBlockedRequestersResponse, kAuthenticated, kQuickRead) \
  RPC(WriteRecommendation, v1::Recommendation, kAuthenticated, kBlocking)                   \
  RPC(ReviseRecommendation, v1::Recommendation, kAuthenticated, kBlocking)                  \
  RPC(WithdrawRecommendation, v1::Recommendation, kAuthenticated, kBlocking)                \
  RPC(PublishRecommendation, v1::Recommendation, kAuthenticated, kBlocking)                 \
  RPC(HideRecommendation, v1::Recommendation, kAuthenticated, kBlocking)                    \
  RPC(GetRecommendation, v1::Recommendation, kAuthenticated, kQuickRead)                    \
  RPC(ListRecommendations, v1::ListRecommendationsResponse, kAuthenticated, kQuickRead)     \
  RPC(ListRecommendationVersions, v1::ListRecommendationVersionsResponse, kAuthenticated,   \
      kQuickRead)                                                                           \
  RPC(CreateShare, v1::CreateShareResponse, kAuthenticated, kBlocking)                      \
  RPC(GetSharedDossier, v1::Dossier, kPublic, kBlocking)                                    \
  RPC(RevokeShare, v1::Share, kAuthenticated, kBlocking)                                    \
  RPC(ListShares, v1::ListSharesResponse, kAuthenticated, kQuickRead)                       \
  RPC(ListAccessLog, v1::ListAccessLogResponse, kAuthenticated, kQuickRead)                 \
  RPC(ExportSignedRecommendation, v1::ExportSignedRecommendationResponse, kAuthenticated,   \
      kBlocking)                                                                            \
  RPC(VerifyRecommendation, v1::VerifyRecommendationResponse, kPublic, kBlocking)           \
  RPC(GetPublicKeys, v1::GetPublicKeysResponse, kPublic, kQuickRead)

namespace trustsphere::recommendations {

class RecommendationHandlers final : public StrictlyParsed<v1::RecommendationService> {
 public:
  using Logic = RecommendationLogic;

  explicit RecommendationHandlers(RpcRunner* runner) : runner_(runner) {}

  // The logic serves calls once attached and the runner is ready; it must
  // outlive every call.
  void Attach(RecommendationLogic* logic) { logic_.store(logic, std::memory_order_release); }

  TRUSTSPHERE_RECOMMENDATION_RPCS(TRUSTSPHERE_DECLARE_UNARY)

 private:
  RpcRunner* runner_;
  std::atomic<RecommendationLogic*> logic_{nullptr};
};

}  // namespace trustsphere::recommendations
