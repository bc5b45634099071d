#pragma once

// gRPC handlers of trustsphere.identity.v1.IdentityService: each one only
// hands the request to IdentityLogic through the RpcRunner.

#include <atomic>

#include "services/common/request_parsing.h"
#include "services/common/rpc_runner.h"
#include "services/identity/identity_logic.h"
#include "trustsphere/identity/v1/identity.grpc.pb.h"

namespace trustsphere::identity {

class IdentityHandlers final
    : public StrictlyParsed<v1::IdentityService,
                            v1::IdentityService::WithRawCallbackMethod_ImportPersons<
                                v1::IdentityService::CallbackService>> {
 public:
  explicit IdentityHandlers(RpcRunner* runner) : runner_(runner) {}

  // The logic serves calls once attached and the runner is ready; it must
  // outlive every call (detach only after the server has shut down).
  void Attach(IdentityLogic* logic) { logic_.store(logic, std::memory_order_release); }

  using Context = grpc::CallbackServerContext;
  using Reactor = grpc::ServerUnaryReactor;

  Reactor* CreatePerson(Context* context, const v1::CreatePersonRequest* request,
                        v1::Person* response) override;
  Reactor* GetPerson(Context* context, const v1::GetPersonRequest* request,
                     v1::Person* response) override;
  Reactor* UpdatePerson(Context* context, const v1::UpdatePersonRequest* request,
                        v1::Person* response) override;
  Reactor* DeletePerson(Context* context, const v1::DeletePersonRequest* request,
                        google::protobuf::Empty* response) override;
  Reactor* Authenticate(Context* context, const v1::AuthenticateRequest* request,
                        v1::AuthenticateResponse* response) override;
  Reactor* GetSigningKeys(Context* context, const v1::GetSigningKeysRequest* request,
                          v1::GetSigningKeysResponse* response) override;
  Reactor* AddPosition(Context* context, const v1::AddPositionRequest* request,
                       v1::Position* response) override;
  Reactor* UpdatePosition(Context* context, const v1::UpdatePositionRequest* request,
                          v1::Position* response) override;
  Reactor* RemovePosition(Context* context, const v1::RemovePositionRequest* request,
                          google::protobuf::Empty* response) override;
  Reactor* BatchGetPositions(Context* context, const v1::BatchGetPositionsRequest* request,
                             v1::BatchGetPositionsResponse* response) override;
  Reactor* ListPositions(Context* context, const v1::ListPositionsRequest* request,
                         v1::ListPositionsResponse* response) override;
  Reactor* FindOverlappingPositions(Context* context,
                                    const v1::FindOverlappingPositionsRequest* request,
                                    v1::FindOverlappingPositionsResponse* response) override;
  Reactor* SearchTags(Context* context, const v1::SearchTagsRequest* request,
                      v1::SearchTagsResponse* response) override;
  Reactor* RecordTagUse(Context* context, const v1::RecordTagUseRequest* request,
                        v1::RecordTagUseResponse* response) override;
  // Raw bytes, parsed by ImportStream (see import_stream.h).
  grpc::ServerReadReactor<grpc::ByteBuffer>* ImportPersons(Context* context,
                                                           grpc::ByteBuffer* response) override;
  Reactor* BatchGetPersons(Context* context, const v1::BatchGetPersonsRequest* request,
                           v1::BatchGetPersonsResponse* response) override;

 private:
  IdentityLogic& logic() { return *logic_.load(std::memory_order_acquire); }

  // Public RPCs take no caller; this adapts them to the common signature.
  template <typename Request, typename Response>
  Reactor* Public(Context* context, const char* name,
                  absl::StatusOr<Response> (IdentityLogic::*method)(const Request&),
                  const Request* request, Response* response) {
    return runner_->Run(context, name, Access::kPublic, [=, this](const Caller&) {
      return Respond((logic().*method)(*request), response);
    });
  }

  RpcRunner* runner_;
  std::atomic<IdentityLogic*> logic_{nullptr};
};

}  // namespace trustsphere::identity
