#pragma once

// Runs the body of every unary RPC of a service the same way: off the gRPC
// callback thread (on the service's Executor, since storage calls block),
// refused while the service is not ready, not started once the deadline has
// passed or the client has gone, after token verification and its caller's
// rate limit, with one access log line and one conversion of the result to
// a gRPC status.

#include <atomic>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "services/common/auth/token_verifier.h"
#include "services/common/core/caller.h"
#include "services/common/core/log_sampler.h"
#include "services/common/server/call_quotas.h"
#include "services/common/server/consistency_tokens.h"
#include "services/common/server/executor.h"
#include "services/common/server/metrics.h"
#include "services/common/server/request_parsing.h"

namespace trustsphere {

enum class Access {
  // A valid access token is required; the body receives its caller.
  kAuthenticated,
  // No token needed (sign-up, login, public keys); the body receives an
  // empty caller.
  kPublic,
};

enum class Work {
  // May block (disk writes, calls to other services, password hashing): runs
  // on the service's executor, off gRPC's threads.
  kBlocking,
  // Reads of local storage only, microseconds long: runs on the gRPC thread
  // that received the call, saving a thread hand-off per call.
  kQuickRead,
};

class RpcRunner {
 public:
  // metrics may be null (no metrics kept), and quotas (no rate limits).
  // Failed calls are always logged, successful ones when log_every_call.
  RpcRunner(Executor* executor, const TokenVerifier* verifier, Metrics* metrics = nullptr,
            bool log_every_call = true, CallQuotas* quotas = nullptr)
      : executor_(executor),
        verifier_(verifier),
        metrics_(metrics),
        quotas_(quotas),
        log_every_call_(log_every_call) {}

  // Until ready, every call answers UNAVAILABLE (storage is still opening).
  void SetReady(bool ready) { ready_.store(ready, std::memory_order_release); }
  // Tokens that calls may send and answers carry (null: none); they must
  // outlive every call.
  void SetConsistencyTokens(const ConsistencyTokens* tokens) {
    tokens_.store(tokens, std::memory_order_release);
  }

  // Admits a call (readiness, cancellation, deadline, token, the budget of
  // `quota` of its caller, or of its client address when it has no valid
  // token) and fills in its caller. A batch counts as `calls` calls.
  absl::Status Admit(const grpc::CallbackServerContext& context, Access access, QuotaClass quota,
                     Caller* caller, int calls = 1) const;
  // CANCELLED when the client has gone, DEADLINE_EXCEEDED when its deadline
  // has passed: no work should start for it.
  static absl::Status StillWanted(const grpc::CallbackServerContext& context);
  // A call starts: counted in flight until its Record. Returns its start.
  absl::Time Begin() const;
  // The access log line and metrics of a finished call.
  void Record(const char* method, const Caller& caller, const absl::Status& status,
              absl::Time start) const;
  Executor& executor() { return *executor_; }

  // body: absl::Status(const Caller&). `calls`: what the call counts as
  // against its budget (the items of a batch).
  template <typename Body>
  grpc::ServerUnaryReactor* Run(grpc::CallbackServerContext* context, const char* method,
                                Access access, QuotaClass quota, Body body,
                                Work work = Work::kBlocking, int calls = 1) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    const absl::Time start = Begin();
    // Taken here, on the thread gRPC called the handler on (see
    // request_parsing.h): the body never sees a request that did not parse.
    absl::Status unparsed = TakeRequestParseFailure();
    const ConsistencyTokens* tokens = tokens_.load(std::memory_order_acquire);
    auto run = [=, this, body = std::move(body), unparsed = std::move(unparsed)]() mutable {
      Caller caller;
      absl::Status status = Admit(*context, access, quota, &caller, calls);
      if (status.ok()) status = unparsed;
      if (status.ok() && tokens != nullptr) status = tokens->Await(*context, caller.deadline);
      if (status.ok()) status = body(static_cast<const Caller&>(caller));
      if (status.ok() && tokens != nullptr) tokens->Stamp(*context);
      Finish(reactor, method, caller, status, start);
    };
    // A read that must wait for its token waits off gRPC's threads.
    if (work == Work::kQuickRead && (tokens == nullptr || tokens->Fresh(*context))) {
      run();
      return reactor;
    }
    bool queued = executor_->TrySubmit(std::move(run));
    if (!queued) {
      Finish(reactor, method, Caller(),
             absl::ResourceExhaustedError("server overloaded: too many calls waiting; retry later"),
             start);
    }
    return reactor;
  }

 private:
  void Finish(grpc::ServerUnaryReactor* reactor, const char* method, const Caller& caller,
              const absl::Status& status, absl::Time start) const;

  Executor* executor_;
  const TokenVerifier* verifier_;
  Metrics* metrics_;
  CallQuotas* quotas_;
  const bool log_every_call_;
  // Calls refused over a rate limit: a line a second, however many.
  mutable LogSampler rate_limited_log_{absl::Seconds(1)};
  std::atomic<bool> ready_{false};
  std::atomic<const ConsistencyTokens*> tokens_{nullptr};
};

// Moves a result into the response message and returns its status.
template <typename T>
absl::Status Respond(absl::StatusOr<T> result, T* response) {
  if (!result.ok()) return result.status();
  *response = std::move(*result);
  return absl::OkStatus();
}

// What a request counts as against its caller's budget: one call, unless
// an overload of QuotaCallsOf, found by argument-dependent lookup in the
// request's namespace, says otherwise (a batch: one per item).
template <typename Request>
int QuotaCalls(const Request& request) {
  if constexpr (requires { QuotaCallsOf(request); }) {
    return QuotaCallsOf(request);
  } else {
    return 1;
  }
}

// A service's logic, attached once storage is open (null before), whose
// method `call` answers a unary RPC.
template <typename Logic, typename Request, typename Response>
grpc::ServerUnaryReactor* Serve(
    RpcRunner& runner, grpc::CallbackServerContext* context, const char* method, Access access,
    QuotaClass quota, const std::atomic<Logic*>& logic,
    absl::StatusOr<Response> (Logic::*call)(const Caller&, const Request&), const Request* request,
    Response* response, Work work = Work::kBlocking) {
  return runner.Run(
      context, method, access, quota,
      [=, &logic](const Caller& caller) {
        return Respond((logic.load(std::memory_order_acquire)->*call)(caller, *request), response);
      },
      work, QuotaCalls(*request));
}

}  // namespace trustsphere
