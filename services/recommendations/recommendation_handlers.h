#pragma once

// gRPC handlers of trustsphere.recommendations.v1.RecommendationService:
// each hands the request to RecommendationLogic through the RpcRunner
// (unary_handlers.h).

#include <atomic>

#include "services/common/server/request_parsing.h"
#include "services/common/server/unary_handlers.h"
#include "services/recommendations/recommendation_logic.h"
#include "trustsphere/recommendations/v1/recommendations.grpc.pb.h"

// Method, response, who may call, where the body runs, which rate limit it
// counts against (quota_limiter.h). Everything that
// writes or asks relationships or identity blocks; reads of local records
// and key material are quick. The share token is GetSharedDossier's
// credential; anyone may verify a signed export or fetch the keys.
#define TRUSTSPHERE_RECOMMENDATION_RPCS(RPC)                                                    \
  RPC(RequestRecommendation, v1::RecommendationRequest, kAuthenticated, kBlocking, kWrites)     \
  RPC(ListRequests, v1::ListRequestsResponse, kAuthenticated, kQuickRead, kReads)               \
  RPC(DeclineRequest, v1::RecommendationRequest, kAuthenticated, kBlocking, kWrites)            \
  RPC(BlockRequester, v1::BlockedRequester, kAuthenticated, kBlocking, kWrites)                 \
  RPC(UnblockRequester, v1::UnblockRequesterResponse, kAuthenticated, kBlocking, kWrites)       \
  RPC(ListBlockedRequesters, v1::ListBlockedRequestersResponse, kAuthenticated, kQuickRead,     \
      kReads)                                                                                   \
  RPC(WriteRecommendation, v1::Recommendation, kAuthenticated, kBlocking, kWrites)              \
  RPC(ReviseRecommendation, v1::Recommendation, kAuthenticated, kBlocking, kWrites)             \
  RPC(WithdrawRecommendation, v1::Recommendation, kAuthenticated, kBlocking, kWrites)           \
  RPC(PublishRecommendation, v1::Recommendation, kAuthenticated, kBlocking, kWrites)            \
  RPC(HideRecommendation, v1::Recommendation, kAuthenticated, kBlocking, kWrites)               \
  RPC(GetRecommendation, v1::Recommendation, kAuthenticated, kQuickRead, kReads)                \
  RPC(ListRecommendations, v1::ListRecommendationsResponse, kAuthenticated, kQuickRead, kReads) \
  RPC(ListRecommendationVersions, v1::ListRecommendationVersionsResponse, kAuthenticated,       \
      kQuickRead, kReads)                                                                       \
  RPC(CreateShare, v1::CreateShareResponse, kAuthenticated, kBlocking, kWrites)                 \
  RPC(GetSharedDossier, v1::Dossier, kPublic, kBlocking, kShareReads)                           \
  RPC(RevokeShare, v1::Share, kAuthenticated, kBlocking, kWrites)                               \
  RPC(ListShares, v1::ListSharesResponse, kAuthenticated, kQuickRead, kReads)                   \
  RPC(ListAccessLog, v1::ListAccessLogResponse, kAuthenticated, kQuickRead, kReads)             \
  RPC(ExportSignedRecommendation, v1::ExportSignedRecommendationResponse, kAuthenticated,       \
      kBlocking, kReads)                                                                        \
  RPC(VerifyRecommendation, v1::VerifyRecommendationResponse, kPublic, kBlocking, kShareReads)  \
  RPC(GetPublicKeys, v1::GetPublicKeysResponse, kPublic, kQuickRead, kReads)

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
