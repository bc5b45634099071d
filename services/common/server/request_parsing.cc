#include "services/common/server/request_parsing.h"

#include <map>
#include <optional>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "grpc/byte_buffer.h"
#include "grpc/byte_buffer_reader.h"
#include "grpc/slice.h"
#include "services/common/core/errors.h"
#include "services/common/core/text.h"

namespace trustsphere {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::internal::WireFormatLite;

// Nesting deeper than any of our messages: refuse rather than recurse.
constexpr int kMaxDepth = 16;

// Walks one message's wire format. Returns the path of the first invalid
// UTF-8 string under `prefix`; "" when every string is valid; nullopt when
// the wire format itself is broken.
std::optional<std::string> FindInvalidString(google::protobuf::io::CodedInputStream& input,
                                             const Descriptor& type, const std::string& prefix,
                                             int depth) {
  if (depth > kMaxDepth) return std::nullopt;
  std::map<int, int> repeated_seen;  // field number -> elements read so far
  while (uint32_t tag = input.ReadTag()) {
    const FieldDescriptor* field = type.FindFieldByNumber(WireFormatLite::GetTagFieldNumber(tag));
    const bool delimited =
        WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED;
    if (field == nullptr || !delimited ||
        (field->type() != FieldDescriptor::TYPE_STRING &&
         field->type() != FieldDescriptor::TYPE_MESSAGE)) {
      if (!WireFormatLite::SkipField(&input, tag)) return std::nullopt;
      continue;
    }
    std::string path = prefix + field->name();
    if (field->is_repeated()) absl::StrAppend(&path, "[", repeated_seen[field->number()]++, "]");
    uint32_t length = 0;
    if (!input.ReadVarint32(&length)) return std::nullopt;
    if (field->type() == FieldDescriptor::TYPE_STRING) {
      std::string value;
      if (!input.ReadString(&value, static_cast<int>(length))) return std::nullopt;
      if (!IsValidUtf8(value)) return path;
      continue;
    }
    const auto limit = input.PushLimit(static_cast<int>(length));
    std::optional<std::string> inner =
        FindInvalidString(input, *field->message_type(), path + ".", depth + 1);
    if (!inner.has_value() || !inner->empty()) return inner;
    if (!input.ConsumedEntireMessage()) return std::nullopt;
    input.PopLimit(limit);
  }
  // A zero tag ends the message only at its end.
  if (input.BytesUntilLimit() > 0 || !input.ConsumedEntireMessage()) return std::nullopt;
  return std::string();
}

thread_local absl::Status* parse_failure_on_this_thread = nullptr;

// A unary method's handler with requests that fail to parse still reaching
// it (flagged) instead of ending as UNIMPLEMENTED.
class StrictUnaryHandler final : public grpc::internal::MethodHandler {
 public:
  StrictUnaryHandler(grpc::internal::MethodHandler* typed, const Descriptor& request_type)
      : typed_(typed), request_type_(request_type) {}

  void* Deserialize(grpc_call* call, grpc_byte_buffer* request, grpc::Status* status,
                    void** handler_data) override {
    // The typed handler consumes the bytes; a reference keeps them for the
    // diagnosis.
    grpc_byte_buffer* kept = request == nullptr ? nullptr : grpc_byte_buffer_copy(request);
    void* parsed = typed_->Deserialize(call, request, status, handler_data);
    if (status->ok() || kept == nullptr) {
      if (kept != nullptr) grpc_byte_buffer_destroy(kept);
      return parsed;
    }
    // The unary handler keeps its request in `handler_data`; what this
    // returns reaches RunHandler only, as param.request.
    auto* failure = new absl::Status(DescribeUnparsableRequest(Bytes(kept), request_type_));
    grpc_byte_buffer_destroy(kept);
    return failure;
  }

  void RunHandler(const HandlerParameter& param) override {
    if (param.status.ok()) {
      typed_->RunHandler(param);
      return;
    }
    std::unique_ptr<absl::Status> failure(static_cast<absl::Status*>(param.request));
    parse_failure_on_this_thread = failure.get();
    // The handler runs synchronously here as far as RpcRunner::Run, which
    // takes the failure; its request is the default one, never read.
    typed_->RunHandler(HandlerParameter(param.call, param.server_context, nullptr, grpc::Status::OK,
                                        param.internal_data, param.call_requester));
    parse_failure_on_this_thread = nullptr;
  }

 private:
  static std::string Bytes(grpc_byte_buffer* buffer) {
    grpc_byte_buffer_reader reader;
    if (!grpc_byte_buffer_reader_init(&reader, buffer)) return "";
    grpc_slice all = grpc_byte_buffer_reader_readall(&reader);
    std::string bytes(reinterpret_cast<const char*>(GRPC_SLICE_START_PTR(all)),
                      GRPC_SLICE_LENGTH(all));
    grpc_slice_unref(all);
    grpc_byte_buffer_reader_destroy(&reader);
    return bytes;
  }

  grpc::internal::MethodHandler* typed_;
  const Descriptor& request_type_;
};

// Any other method: its own handler, unchanged.
class PassThroughHandler final : public grpc::internal::MethodHandler {
 public:
  explicit PassThroughHandler(grpc::internal::MethodHandler* typed) : typed_(typed) {}
  void* Deserialize(grpc_call* call, grpc_byte_buffer* request, grpc::Status* status,
                    void** handler_data) override {
    return typed_->Deserialize(call, request, status, handler_data);
  }
  void RunHandler(const HandlerParameter& param) override { typed_->RunHandler(param); }

 private:
  grpc::internal::MethodHandler* typed_;
};

grpc::internal::RpcMethod::RpcType TypeOf(const google::protobuf::MethodDescriptor& method) {
  using Rpc = grpc::internal::RpcMethod;
  if (method.client_streaming()) {
    return method.server_streaming() ? Rpc::BIDI_STREAMING : Rpc::CLIENT_STREAMING;
  }
  return method.server_streaming() ? Rpc::SERVER_STREAMING : Rpc::NORMAL_RPC;
}

}  // namespace

absl::Status DescribeUnparsableRequest(absl::string_view bytes, const Descriptor& type) {
  google::protobuf::io::CodedInputStream input(reinterpret_cast<const uint8_t*>(bytes.data()),
                                               static_cast<int>(bytes.size()));
  std::optional<std::string> invalid = FindInvalidString(input, type, "", 0);
  if (invalid.has_value() && !invalid->empty()) {
    return InvalidField(*invalid, "not valid UTF-8");
  }
  return absl::InvalidArgumentError(
      absl::StrCat("the request is not a valid ", type.full_name(), " message"));
}

absl::Status TakeRequestParseFailure() {
  if (parse_failure_on_this_thread == nullptr) return absl::OkStatus();
  absl::Status failure = std::move(*parse_failure_on_this_thread);
  parse_failure_on_this_thread = nullptr;
  return failure;
}

StrictParsingService::StrictParsingService(
    const google::protobuf::ServiceDescriptor& descriptor,
    const std::function<grpc::internal::MethodHandler*(int)>& inner_handler) {
  paths_.reserve(descriptor.method_count());  // the methods keep pointers into it
  for (int i = 0; i < descriptor.method_count(); ++i) {
    const google::protobuf::MethodDescriptor& method = *descriptor.method(i);
    paths_.push_back(absl::StrCat("/", descriptor.full_name(), "/", method.name()));
    const auto type = TypeOf(method);
    AddMethod(new grpc::internal::RpcServiceMethod(paths_.back().c_str(), type, nullptr));
    grpc::internal::MethodHandler* typed = inner_handler(i);
    if (type == grpc::internal::RpcMethod::NORMAL_RPC) {
      MarkMethodCallback(i, new StrictUnaryHandler(typed, *method.input_type()));
    } else {
      MarkMethodCallback(i, new PassThroughHandler(typed));
    }
  }
}

}  // namespace trustsphere
