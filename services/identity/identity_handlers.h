#pragma once

// gRPC handlers of trustsphere.identity.v1.IdentityService: each hands the
// request to IdentityLogic through the RpcRunner (unary_handlers.h).

#include <atomic>

#include "services/common/server/request_parsing.h"
#include "services/common/server/unary_handlers.h"
#include "services/identity/identity_logic.h"
#include "trustsphere/identity/v1/identity.grpc.pb.h"

// Method, response, who may call, where the body runs, which rate limit it
// counts against (quota_limiter.h). Password hashing and
// writes block; reads of local records are quick.
#define TRUSTSPHERE_IDENTITY_RPCS(RPC)                                                           \
  RPC(CreatePerson, v1::Person, kPublic, kBlocking, kSignups)                                    \
  RPC(Authenticate, v1::AuthenticateResponse, kPublic, kBlocking, kLogins)                       \
  RPC(RefreshSession, v1::AuthenticateResponse, kPublic, kBlocking, kRefreshes)                  \
  RPC(ListSessions, v1::ListSessionsResponse, kAuthenticated, kQuickRead, kReads)                \
  RPC(RevokeSession, google::protobuf::Empty, kAuthenticated, kBlocking, kWrites)                \
  RPC(RevokeAllSessions, v1::RevokeAllSessionsResponse, kAuthenticated, kBlocking, kWrites)      \
  RPC(ChangePassword, v1::ChangePasswordResponse, kAuthenticated, kBlocking, kLogins)            \
  RPC(GetSigningKeys, v1::GetSigningKeysResponse, kPublic, kQuickRead, kReads)                   \
  RPC(GetPerson, v1::Person, kAuthenticated, kQuickRead, kReads)                                 \
  RPC(BatchGetPersons, v1::BatchGetPersonsResponse, kAuthenticated, kQuickRead, kReads)          \
  RPC(UpdatePerson, v1::Person, kAuthenticated, kBlocking, kWrites)                              \
  RPC(DeletePerson, google::protobuf::Empty, kAuthenticated, kBlocking, kWrites)                 \
  RPC(AddPosition, v1::Position, kAuthenticated, kBlocking, kWrites)                             \
  RPC(UpdatePosition, v1::Position, kAuthenticated, kBlocking, kWrites)                          \
  RPC(RemovePosition, google::protobuf::Empty, kAuthenticated, kBlocking, kWrites)               \
  RPC(BatchGetPositions, v1::BatchGetPositionsResponse, kAuthenticated, kQuickRead, kReads)      \
  RPC(ListPositions, v1::ListPositionsResponse, kAuthenticated, kQuickRead, kReads)              \
  RPC(FindOverlappingPositions, v1::FindOverlappingPositionsResponse, kAuthenticated, kBlocking, \
      kSearches)                                                                                 \
  RPC(SearchPeople, v1::SearchPeopleResponse, kAuthenticated, kBlocking, kSearches)              \
  RPC(SearchTags, v1::SearchTagsResponse, kAuthenticated, kBlocking, kSearches)                  \
  RPC(BatchGetTags, v1::BatchGetTagsResponse, kAuthenticated, kQuickRead, kReads)                \
  RPC(RecordTagUse, v1::RecordTagUseResponse, kAuthenticated, kBlocking, kWrites)                \
  RPC(ListIdentityChanges, v1::ListIdentityChangesResponse, kAuthenticated, kQuickRead, kReads)

namespace trustsphere::identity {

class IdentityHandlers final
    : public StrictlyParsed<v1::IdentityService,
                            v1::IdentityService::WithRawCallbackMethod_ImportPersons<
                                v1::IdentityService::CallbackService>> {
 public:
  using Logic = IdentityLogic;

  explicit IdentityHandlers(RpcRunner* runner) : runner_(runner) {}

  // The logic serves calls once attached and the runner is ready; it must
  // outlive every call (detach only after the server has shut down).
  void Attach(IdentityLogic* logic) { logic_.store(logic, std::memory_order_release); }

  TRUSTSPHERE_IDENTITY_RPCS(TRUSTSPHERE_DECLARE_UNARY)
  // Raw bytes, parsed by ImportStream (see import_stream.h).
  grpc::ServerReadReactor<grpc::ByteBuffer>* ImportPersons(grpc::CallbackServerContext* context,
                                                           grpc::ByteBuffer* response) override;

 private:
  RpcRunner* runner_;
  std::atomic<IdentityLogic*> logic_{nullptr};
};

}  // namespace trustsphere::identity
