#pragma once

// gRPC handlers of trustsphere.relationships.v1.RelationshipService: each
// unary one hands the request to RelationshipLogic through the RpcRunner;
// WatchTrustChanges opens a WatchStream.

#include <atomic>

#include "services/common/server/request_parsing.h"
#include "services/common/server/rpc_runner.h"
#include "services/relationships/relationship_logic.h"
#include "services/relationships/watch_stream.h"
#include "trustsphere/relationships/v1/relationships.grpc.pb.h"

namespace trustsphere::relationships {

class RelationshipHandlers final
    : public StrictlyParsed<v1::RelationshipService,
                            v1::RelationshipService::WithRawCallbackMethod_ImportTrust<
                                v1::RelationshipService::CallbackService>> {
 public:
  RelationshipHandlers(RpcRunner* runner, Executor* executor, const TokenVerifier* verifier)
      : runner_(runner), executor_(executor), verifier_(verifier) {}

  // The logic serves calls once attached and the runner is ready; it must
  // outlive every call.
  void Attach(RelationshipLogic* logic) { logic_.store(logic, std::memory_order_release); }
  // Ends open watch streams (clients resume from their cursor elsewhere).
  void CloseStreams() { watchers_.CloseAll(); }
  // Waits until no watch stream can read storage any more.
  void WaitForStreams() { watchers_.WaitUntilEmpty(); }

  using Context = grpc::CallbackServerContext;
  using Reactor = grpc::ServerUnaryReactor;

  Reactor* PutTrust(Context* context, const v1::PutTrustRequest* request,
                    v1::TrustStatement* response) override;
  Reactor* GetTrust(Context* context, const v1::GetTrustRequest* request,
                    v1::TrustStatement* response) override;
  Reactor* RevokeTrust(Context* context, const v1::RevokeTrustRequest* request,
                       v1::TrustStatement* response) override;
  Reactor* ListTrusted(Context* context, const v1::ListTrustedRequest* request,
                       v1::ListTrustedResponse* response) override;
  Reactor* ListTrusting(Context* context, const v1::ListTrustingRequest* request,
                        v1::ListTrustingResponse* response) override;
  Reactor* ListReferences(Context* context, const v1::ListReferencesRequest* request,
                          v1::ListReferencesResponse* response) override;
  Reactor* ListPendingReciprocation(Context* context,
                                    const v1::ListPendingReciprocationRequest* request,
                                    v1::ListPendingReciprocationResponse* response) override;
  Reactor* CheckTrust(Context* context, const v1::CheckTrustRequest* request,
                      v1::CheckTrustResponse* response) override;
  Reactor* BatchCheckTrust(Context* context, const v1::BatchCheckTrustRequest* request,
                           v1::BatchCheckTrustResponse* response) override;
  Reactor* FindVouchers(Context* context, const v1::FindVouchersRequest* request,
                        v1::FindVouchersResponse* response) override;
  Reactor* SuggestReferences(Context* context, const v1::SuggestReferencesRequest* request,
                             v1::SuggestReferencesResponse* response) override;
  Reactor* GetCoverage(Context* context, const v1::GetCoverageRequest* request,
                       v1::GetCoverageResponse* response) override;
  // Raw bytes, parsed by ImportStream (see import_stream.h).
  grpc::ServerReadReactor<grpc::ByteBuffer>* ImportTrust(Context* context,
                                                         grpc::ByteBuffer* response) override;
  grpc::ServerWriteReactor<v1::TrustChange>* WatchTrustChanges(
      Context* context, const v1::WatchTrustChangesRequest* request) override;

 private:
  RelationshipLogic* logic() { return logic_.load(std::memory_order_acquire); }

  RpcRunner* runner_;
  Executor* executor_;
  const TokenVerifier* verifier_;
  std::atomic<RelationshipLogic*> logic_{nullptr};
  WatchRegistry watchers_;
};

}  // namespace trustsphere::relationships
