#include "services/relationships/relationship_handlers.h"

#include "services/common/core/errors.h"
#include "services/common/core/log.h"
#include "services/common/server/import_stream.h"
#include "services/relationships/relationships_keys.h"

namespace trustsphere::relationships {

#define TRUSTSPHERE_SERVE(Method, Response, WorkKind)                             \
  RelationshipHandlers::Reactor* RelationshipHandlers::Method(                    \
      Context* context, const v1::Method##Request* request, Response* response) { \
    return Serve(*runner_, context, #Method, Access::kAuthenticated, logic_,      \
                 &RelationshipLogic::Method, request, response, WorkKind);        \
  }

// Writes and what calls identity block; the rest only reads local storage.
TRUSTSPHERE_SERVE(PutTrust, v1::TrustStatement, Work::kBlocking)
TRUSTSPHERE_SERVE(GetTrust, v1::TrustStatement, Work::kQuickRead)
TRUSTSPHERE_SERVE(RevokeTrust, v1::TrustStatement, Work::kBlocking)
TRUSTSPHERE_SERVE(ListTrusted, v1::ListTrustedResponse, Work::kQuickRead)
TRUSTSPHERE_SERVE(ListTrusting, v1::ListTrustingResponse, Work::kQuickRead)
TRUSTSPHERE_SERVE(ListReferences, v1::ListReferencesResponse, Work::kQuickRead)
TRUSTSPHERE_SERVE(ListPendingReciprocation, v1::ListPendingReciprocationResponse, Work::kQuickRead)
TRUSTSPHERE_SERVE(CheckTrust, v1::CheckTrustResponse, Work::kQuickRead)
TRUSTSPHERE_SERVE(BatchCheckTrust, v1::BatchCheckTrustResponse, Work::kQuickRead)
// A search may visit thousands of people: milliseconds, kept off gRPC's threads.
TRUSTSPHERE_SERVE(FindVouchers, v1::FindVouchersResponse, Work::kBlocking)
TRUSTSPHERE_SERVE(SuggestReferences, v1::SuggestReferencesResponse, Work::kBlocking)
TRUSTSPHERE_SERVE(GetCoverage, v1::GetCoverageResponse, Work::kBlocking)

#undef TRUSTSPHERE_SERVE

namespace {

// A stream that fails before it starts.
class RefusedStream final : public grpc::ServerWriteReactor<v1::TrustChange> {
 public:
  explicit RefusedStream(const absl::Status& status) { Finish(ToGrpcStatus(status)); }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerReadReactor<grpc::ByteBuffer>* RelationshipHandlers::ImportTrust(
    Context* context, grpc::ByteBuffer* response) {
  return ImportStream<v1::ImportTrustRequest, v1::ImportTrustResponse>::Start(
      *runner_, context, "ImportTrust", response,
      [this](const Caller& caller, const v1::ImportTrustRequest& batch,
             v1::ImportTrustResponse* totals) {
        return this->logic()->ImportTrust(caller, batch, totals);
      });
}

grpc::ServerWriteReactor<v1::TrustChange>* RelationshipHandlers::WatchTrustChanges(
    Context* context, const v1::WatchTrustChangesRequest* request) {
  // Token checks are cached and cheap: done here, on the gRPC thread.
  RelationshipLogic* logic = this->logic();
  if (logic == nullptr) {
    return new RefusedStream(absl::UnavailableError("service is starting or stopping"));
  }
  auto caller = verifier_->CallerOf(*context);
  if (!caller.ok()) return new RefusedStream(caller.status());
  if (!caller->IsPrivileged()) {
    return new RefusedStream(
        absl::PermissionDeniedError("the change stream is for services and operators"));
  }
  uint64_t after = 0;
  if (!ParseCursor(request->after_cursor(), &after)) {
    return new RefusedStream(InvalidField("after_cursor", "not a cursor of this stream"));
  }
  Log(LogLevel::kInfo, "watch opened",
      {F("caller", caller->person_id), F("after", request->after_cursor())});
  return new WatchStream(&logic->store().engine(), keys::kChanges, executor_, &watchers_, after);
}

}  // namespace trustsphere::relationships
