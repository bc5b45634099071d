#pragma once

// gRPC handlers of trustsphere.relationships.v1.RelationshipService: each
// unary one hands the request to RelationshipLogic through the RpcRunner
// (unary_handlers.h); WatchTrustChanges opens a WatchStream.

#include <algorithm>
#include <atomic>

#include "services/common/server/request_parsing.h"
#include "services/common/server/unary_handlers.h"
#include "services/relationships/relationship_logic.h"
#include "services/relationships/watch_stream.h"
#include "trustsphere/relationships/v1/relationships.grpc.pb.h"

// Method, response, who may call, where the body runs, which rate limit it
// counts against (quota_limiter.h). Writes and what calls
// identity block; reads of local storage are quick, and so is FindVouchers:
// a walk of the trust graph in memory, bounded by --max_visited people,
// then one batched read of the page's statements.
namespace trustsphere::relationships::v1 {

// A batch counts as one call per item against its caller's budget of reads
// (RpcRunner's QuotaCalls): a hundred checks in one call are a hundred
// checks.
inline int QuotaCallsOf(const BatchCheckTrustRequest& request) {
  return std::max(1, request.checks_size());
}
inline int QuotaCallsOf(const BatchGetTrustRequest& request) {
  return std::max(1, request.pairs_size());
}

}  // namespace trustsphere::relationships::v1

#define TRUSTSPHERE_RELATIONSHIP_RPCS(RPC)                                                        \
  RPC(PutTrust, v1::TrustStatement, kAuthenticated, kBlocking, kWrites)                           \
  RPC(GetTrust, v1::TrustStatement, kAuthenticated, kQuickRead, kReads)                           \
  RPC(BatchGetTrust, v1::BatchGetTrustResponse, kAuthenticated, kQuickRead, kReads)               \
  RPC(RevokeTrust, v1::TrustStatement, kAuthenticated, kBlocking, kWrites)                        \
  RPC(ListTrusted, v1::ListTrustedResponse, kAuthenticated, kQuickRead, kReads)                   \
  RPC(ListTrusting, v1::ListTrustingResponse, kAuthenticated, kQuickRead, kReads)                 \
  RPC(ListReferences, v1::ListReferencesResponse, kAuthenticated, kQuickRead, kReads)             \
  RPC(ListPendingReciprocation, v1::ListPendingReciprocationResponse, kAuthenticated, kQuickRead, \
      kReads)                                                                                     \
  RPC(CheckTrust, v1::CheckTrustResponse, kAuthenticated, kQuickRead, kReads)                     \
  RPC(BatchCheckTrust, v1::BatchCheckTrustResponse, kAuthenticated, kQuickRead, kReads)           \
  RPC(FindVouchers, v1::FindVouchersResponse, kAuthenticated, kQuickRead, kSearches)              \
  RPC(SuggestReferences, v1::SuggestReferencesResponse, kAuthenticated, kBlocking, kSearches)     \
  RPC(GetCoverage, v1::GetCoverageResponse, kAuthenticated, kBlocking, kSearches)

namespace trustsphere::relationships {

class RelationshipHandlers final
    : public StrictlyParsed<v1::RelationshipService,
                            v1::RelationshipService::WithRawCallbackMethod_ImportTrust<
                                v1::RelationshipService::CallbackService>> {
 public:
  using Logic = RelationshipLogic;

  RelationshipHandlers(RpcRunner* runner, Executor* executor)
      : runner_(runner), executor_(executor) {}

  // The logic serves calls once attached and the runner is ready; it must
  // outlive every call.
  void Attach(RelationshipLogic* logic) { logic_.store(logic, std::memory_order_release); }
  // Ends open watch streams (clients resume from their cursor elsewhere).
  void CloseStreams() { watchers_.CloseAll(); }
  // The change log may have grown: waiting streams read it.
  void WakeStreams() { watchers_.Wake(); }
  // Waits until no watch stream can read storage any more.
  void WaitForStreams() { watchers_.WaitUntilEmpty(); }

  TRUSTSPHERE_RELATIONSHIP_RPCS(TRUSTSPHERE_DECLARE_UNARY)
  // Raw bytes, parsed by ImportStream (see import_stream.h).
  grpc::ServerReadReactor<grpc::ByteBuffer>* ImportTrust(grpc::CallbackServerContext* context,
                                                         grpc::ByteBuffer* response) override;
  grpc::ServerWriteReactor<v1::TrustChange>* WatchTrustChanges(
      grpc::CallbackServerContext* context, const v1::WatchTrustChangesRequest* request) override;

 private:
  RelationshipLogic* logic() { return logic_.load(std::memory_order_acquire); }

  RpcRunner* runner_;
  Executor* executor_;
  std::atomic<RelationshipLogic*> logic_{nullptr};
  WatchRegistry watchers_;
};

}  // namespace trustsphere::relationships
