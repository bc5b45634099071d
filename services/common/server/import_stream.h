#pragma once

// The server side of an operator's bulk import: a client stream of batches,
// each applied in order on the service's executor (storage calls block), the
// next read started only once the previous batch is written, so a slow disk
// slows the client instead of filling memory. The first refused batch ends
// the stream with its error, prefixed by the batch's position in the stream.
//
// The stream is read as raw bytes and parsed here: gRPC ends a stream whose
// message fails to parse (a string that is not UTF-8) exactly as if the
// client had closed it, which would end an import early with OK. Parsing
// here turns that into INVALID_ARGUMENT naming the message and the field.

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/server_callback.h"
#include "services/common/core/errors.h"
#include "services/common/server/request_parsing.h"
#include "services/common/server/rpc_runner.h"

namespace trustsphere {

// `status` with "message <index>: " in front of its message, payloads kept.
inline absl::Status InMessage(int64_t index, const absl::Status& status) {
  absl::Status prefixed(status.code(), absl::StrCat("message ", index, ": ", status.message()));
  status.ForEachPayload([&](absl::string_view type_url, const absl::Cord& payload) {
    prefixed.SetPayload(type_url, payload);
  });
  return prefixed;
}

template <typename Request, typename Response>
class ImportStream final : public grpc::ServerReadReactor<grpc::ByteBuffer> {
 public:
  // Adds one batch's counts to the response.
  using ApplyBatch = std::function<absl::Status(const Caller&, const Request&, Response*)>;

  // Starts the stream; the reactor deletes itself when the call is done.
  static ImportStream* Start(RpcRunner& runner, grpc::CallbackServerContext* context,
                             const char* method, grpc::ByteBuffer* response, ApplyBatch apply) {
    return new ImportStream(runner, context, method, response, std::move(apply));
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client closed its side: every batch is written
      End(absl::OkStatus());
      return;
    }
    ++messages_;
    bool queued = runner_.executor().TrySubmit([this] {
      absl::Status status = RpcRunner::StillWanted(*context_);
      if (status.ok()) status = Parse();
      if (status.ok()) status = apply_(caller_, request_, &totals_);
      if (!status.ok()) {
        End(InMessage(messages_, status));
        return;
      }
      this->StartRead(&received_);
    });
    if (!queued) End(absl::ResourceExhaustedError("server overloaded: retry the import later"));
  }

  void OnDone() override { delete this; }

 private:
  ImportStream(RpcRunner& runner, grpc::CallbackServerContext* context, const char* method,
               grpc::ByteBuffer* response, ApplyBatch apply)
      : runner_(runner),
        context_(context),
        method_(method),
        response_(response),
        apply_(std::move(apply)),
        start_(runner.Begin()) {
    absl::Status admitted =
        runner_.Admit(*context_, Access::kAuthenticated, QuotaClass::kImports, &caller_);
    if (admitted.ok() && !caller_.Has(Role::kOperator)) {
      admitted = absl::PermissionDeniedError("imports are for operators only");
    }
    if (!admitted.ok()) {
      End(admitted);
      return;
    }
    this->StartRead(&received_);
  }

  absl::Status Parse() {
    std::vector<grpc::Slice> slices;
    if (!received_.Dump(&slices).ok()) return absl::InternalError("cannot read the message");
    std::string bytes;
    for (const auto& slice : slices) {
      bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
    }
    received_.Clear();
    request_.Clear();
    if (request_.ParseFromString(bytes)) return absl::OkStatus();
    return DescribeUnparsableRequest(bytes, *Request::descriptor());
  }

  void End(const absl::Status& status) {
    runner_.Record(method_, caller_, status, start_);
    if (status.ok()) {
      const std::string bytes = totals_.SerializeAsString();
      grpc::Slice slice(bytes);
      *response_ = grpc::ByteBuffer(&slice, 1);
    }
    this->Finish(ToGrpcStatus(status));
  }

  RpcRunner& runner_;
  grpc::CallbackServerContext* context_;
  const char* method_;
  grpc::ByteBuffer* response_;
  ApplyBatch apply_;
  absl::Time start_;
  Caller caller_;
  grpc::ByteBuffer received_;
  Request request_;
  Response totals_;
  int64_t messages_ = 0;
};

}  // namespace trustsphere
