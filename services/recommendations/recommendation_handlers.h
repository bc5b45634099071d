#pragma once

// gRPC handlers of trustsphere.recommendations.v1.RecommendationService:
// each hands the request to RecommendationLogic through the RpcRunner.

#include <atomic>

#include "services/common/server/request_parsing.h"
#include "services/common/server/rpc_runner.h"
#include "services/recommendations/recommendation_logic.h"
#include "trustsphere/recommendations/v1/recommendations.grpc.pb.h"

namespace trustsphere::recommendations {

class RecommendationHandlers final : public StrictlyParsed<v1::RecommendationService> {
 public:
  explicit RecommendationHandlers(RpcRunner* runner) : runner_(runner) {}

  // The logic serves calls once attached and the runner is ready; it must
  // outlive every call.
  void Attach(RecommendationLogic* logic) { logic_.store(logic, std::memory_order_release); }

  using Context = grpc::CallbackServerContext;
  using Reactor = grpc::ServerUnaryReactor;

#define TRUSTSPHERE_DECLARE(Method, Response)                                               \
  Reactor* Method(Context* context, const v1::Method##Request* request, Response* response) \
      override;
  TRUSTSPHERE_DECLARE(RequestRecommendation, v1::RecommendationRequest)
  TRUSTSPHERE_DECLARE(ListRequests, v1::ListRequestsResponse)
  TRUSTSPHERE_DECLARE(DeclineRequest, v1::RecommendationRequest)
  TRUSTSPHERE_DECLARE(WriteRecommendation, v1::Recommendation)
  TRUSTSPHERE_DECLARE(ReviseRecommendation, v1::Recommendation)
  TRUSTSPHERE_DECLARE(WithdrawRecommendation, v1::Recommendation)
  TRUSTSPHERE_DECLARE(PublishRecommendation, v1::Recommendation)
  TRUSTSPHERE_DECLARE(HideRecommendation, v1::Recommendation)
  TRUSTSPHERE_DECLARE(GetRecommendation, v1::Recommendation)
  TRUSTSPHERE_DECLARE(ListRecommendations, v1::ListRecommendationsResponse)
  TRUSTSPHERE_DECLARE(ListRecommendationVersions, v1::ListRecommendationVersionsResponse)
  TRUSTSPHERE_DECLARE(CreateShare, v1::CreateShareResponse)
  TRUSTSPHERE_DECLARE(GetSharedDossier, v1::Dossier)
  TRUSTSPHERE_DECLARE(RevokeShare, v1::Share)
  TRUSTSPHERE_DECLARE(ListShares, v1::ListSharesResponse)
  TRUSTSPHERE_DECLARE(ListAccessLog, v1::ListAccessLogResponse)
  TRUSTSPHERE_DECLARE(ExportSignedRecommendation, v1::ExportSignedRecommendationResponse)
  TRUSTSPHERE_DECLARE(VerifyRecommendation, v1::VerifyRecommendationResponse)
  TRUSTSPHERE_DECLARE(GetPublicKeys, v1::GetPublicKeysResponse)
#undef TRUSTSPHERE_DECLARE

 private:
  RecommendationLogic* logic() { return logic_.load(std::memory_order_acquire); }

  RpcRunner* runner_;
  std::atomic<RecommendationLogic*> logic_{nullptr};
};

}  // namespace trustsphere::recommendations
