#include "services/identity/identity_handlers.h"

#include "services/common/server/import_stream.h"

namespace trustsphere::identity {

#define TRUSTSPHERE_DEFINE(...) TRUSTSPHERE_DEFINE_UNARY(IdentityHandlers, __VA_ARGS__)
TRUSTSPHERE_IDENTITY_RPCS(TRUSTSPHERE_DEFINE)
#undef TRUSTSPHERE_DEFINE

grpc::ServerReadReactor<grpc::ByteBuffer>* IdentityHandlers::ImportPersons(
    grpc::CallbackServerContext* context, grpc::ByteBuffer* response) {
  return ImportStream<v1::ImportPersonsRequest, v1::ImportPersonsResponse>::Start(
      *runner_, context, "ImportPersons", response,
      [this](const Caller& caller, const v1::ImportPersonsRequest& batch,
             v1::ImportPersonsResponse* totals) {
        return logic_.load(std::memory_order_acquire)->ImportPersons(caller, batch, totals);
      });
}

}  // namespace trustsphere::identity
