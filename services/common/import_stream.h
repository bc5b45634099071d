#pragma once

// The server side of an operator's bulk import: a client stream of batches,
// each applied in order on the service's executor (storage calls block), the
// next read started only once the previous batch is written, so a slow disk
// slows the client instead of filling memory. The first refused batch ends
// the stream with its error, prefixed by the batch's position in the stream.

#include <functional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/support/server_callback.h"
#include "services/common/errors.h"
#include "services/common/rpc_runner.h"

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
class ImportStream final : public grpc::ServerReadReactor<Request> {
 public:
  // Adds one batch's counts to the response.
  using ApplyBatch = std::function<absl::Status(const Caller&, const Request&, Response*)>;

  // Starts the stream; the reactor deletes itself when the call is done.
  static ImportStream* Start(RpcRunner& runner, grpc::CallbackServerContext* context,
                             const char* method, Response* response, ApplyBatch apply) {
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
      if (status.ok()) status = apply_(caller_, request_, response_);
      if (!status.ok()) {
        End(InMessage(messages_, status));
        return;
      }
      request_.Clear();
      this->StartRead(&request_);
    });
    if (!queued) End(absl::ResourceExhaustedError("server overloaded: retry the import later"));
  }

  void OnDone() override { delete this; }

 private:
  ImportStream(RpcRunner& runner, grpc::CallbackServerContext* context, const char* method,
               Response* response, ApplyBatch apply)
      : runner_(runner),
        context_(context),
        method_(method),
        response_(response),
        apply_(std::move(apply)),
        start_(absl::Now()) {
    absl::Status admitted = runner_.Admit(*context_, Access::kAuthenticated, &caller_);
    if (admitted.ok() && !caller_.Has(Role::kOperator)) {
      admitted = absl::PermissionDeniedError("imports are for operators only");
    }
    if (!admitted.ok()) {
      End(admitted);
      return;
    }
    this->StartRead(&request_);
  }

  void End(const absl::Status& status) {
    runner_.Record(method_, caller_, status, start_);
    this->Finish(ToGrpcStatus(status));
  }

  RpcRunner& runner_;
  grpc::CallbackServerContext* context_;
  const char* method_;
  Response* response_;
  ApplyBatch apply_;
  absl::Time start_;
  Caller caller_;
  Request request_;
  int64_t messages_ = 0;
};

}  // namespace trustsphere
