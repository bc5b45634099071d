#include "services/relationships/relationship_handlers.h"

#include "services/common/core/change_cursor.h"
#include "services/common/core/errors.h"
#include "services/common/core/log.h"
#include "services/common/server/import_stream.h"

namespace trustsphere::relationships {

#define TRUSTSPHERE_DEFINE(...) TRUSTSPHERE_DEFINE_UNARY(RelationshipHandlers, __VA_ARGS__)
TRUSTSPHERE_RELATIONSHIP_RPCS(TRUSTSPHERE_DEFINE)
#undef TRUSTSPHERE_DEFINE

namespace {

// A stream that fails before it starts.
class RefusedStream final : public grpc::ServerWriteReactor<v1::TrustChange> {
 public:
  explicit RefusedStream(const absl::Status& status) { Finish(ToGrpcStatus(status)); }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerReadReactor<grpc::ByteBuffer>* RelationshipHandlers::ImportTrust(
    grpc::CallbackServerContext* context, grpc::ByteBuffer* response) {
  return ImportStream<v1::ImportTrustRequest, v1::ImportTrustResponse>::Start(
      *runner_, context, "ImportTrust", response,
      [this](const Caller& caller, const v1::ImportTrustRequest& batch,
             v1::ImportTrustResponse* totals) {
        return this->logic()->ImportTrust(caller, batch, totals);
      });
}

grpc::ServerWriteReactor<v1::TrustChange>* RelationshipHandlers::WatchTrustChanges(
    grpc::CallbackServerContext* context, const v1::WatchTrustChangesRequest* request) {
  // Token checks are cached and cheap: done here, on the gRPC thread.
  RelationshipLogic* logic = this->logic();
  if (logic == nullptr) {
    return new RefusedStream(absl::UnavailableError("service is starting or stopping"));
  }
  Caller caller;
  absl::Status admitted =
      runner_->Admit(*context, Access::kAuthenticated, QuotaClass::kReads, &caller);
  if (!admitted.ok()) return new RefusedStream(admitted);
  if (!caller.IsPrivileged()) {
    return new RefusedStream(
        absl::PermissionDeniedError("the change stream is for services and operators"));
  }
  uint64_t after = 0;
  if (!ParseChangeCursor(request->after_cursor(), &after)) {
    return new RefusedStream(InvalidField("after_cursor", "not a cursor of this stream"));
  }
  Log(LogLevel::kInfo, "watch opened",
      {F("caller", caller.person_id), F("after", request->after_cursor())});
  return new WatchStream(&logic->store(), executor_, &watchers_, after);
}

}  // namespace trustsphere::relationships
