#pragma once

// Requests that fail to parse. gRPC's callback server answers a unary
// request it cannot deserialize with UNIMPLEMENTED and no message, which
// tells a client nothing; the commonest cause is a string field that is not
// valid UTF-8, which protobuf refuses for proto3 strings. Services are
// registered through StrictlyParsed, whose unary methods hand such a request
// to their handler flagged instead; RpcRunner then answers INVALID_ARGUMENT
// naming the field, before any logic runs.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/impl/rpc_service_method.h"
#include "grpcpp/impl/service_type.h"

namespace trustsphere {

// Why `bytes` is not a valid serialized `type`: INVALID_ARGUMENT naming the
// first string field (as a path, "statement.note", "persons[2].person.email")
// that is not valid UTF-8, or the request as a whole when its wire format is
// broken.
absl::Status DescribeUnparsableRequest(absl::string_view bytes,
                                       const google::protobuf::Descriptor& type);

// The parse failure of the request whose handler is running on this thread,
// once: OK when it parsed. Read by RpcRunner when a call starts.
absl::Status TakeRequestParseFailure();

// The service gRPC serves in place of `inner`: the same methods, handled by
// `inner`'s own handlers, each unary one wrapped as described above.
class StrictParsingService : public grpc::Service {
 public:
  StrictParsingService(const google::protobuf::ServiceDescriptor& descriptor,
                       const std::function<grpc::internal::MethodHandler*(int)>& inner_handler);

 private:
  std::vector<std::string> paths_;  // "/package.Service/Method", as gRPC routes
};

// Base of a service's handlers: `Generated` is the generated service class
// (v1::IdentityService, ...), `Base` its callback service, possibly with
// some methods raw. Register Registered() with the server.
template <typename Generated, typename Base = typename Generated::CallbackService>
class StrictlyParsed : public Base {
 public:
  grpc::Service* Registered() {
    if (registered_ == nullptr) {
      const auto* descriptor =
          google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
              Generated::service_full_name());
      registered_ = std::make_unique<StrictParsingService>(
          *descriptor, [this](int index) { return this->GetHandler(index); });
    }
    return registered_.get();
  }

 private:
  std::unique_ptr<StrictParsingService> registered_;
};

}  // namespace trustsphere
