#include "services/common/server/rpc_runner.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/core/errors.h"
#include "services/common/core/log.h"

namespace trustsphere {

absl::Status RpcRunner::Admit(const grpc::CallbackServerContext& context, Access access,
                              QuotaClass quota, Caller* caller, int calls) const {
  if (!ready_.load(std::memory_order_acquire)) {
    return absl::UnavailableError("service is starting or stopping");
  }
  // The call may have waited in the queue: do no work nobody will read.
  if (absl::Status wanted = StillWanted(context); !wanted.ok()) return wanted;
  caller->deadline = absl::FromChrono(context.deadline());
  if (quotas_ != nullptr && verifier_->HasUnverifiedToken(context)) {
    // A token never seen costs a signature check: not for an address
    // already over its budget (forged tokens are charged to it below).
    if (absl::Status affordable = quotas_->CheckAddress(quota, context); !affordable.ok()) {
      return affordable;
    }
  }
  if (access == Access::kPublic) {
    if (quotas_ == nullptr) return absl::OkStatus();
    // A service or an operator (a service fetching signing keys) pays from
    // its own budget, not from its address's, which many clients may share.
    // A person's token changes nothing: sign-ups, logins and share reads
    // are counted per address whoever calls. The call runs as a public one.
    if (auto signed_in = verifier_->CallerOf(context);
        signed_in.ok() && signed_in->IsPrivileged()) {
      return quotas_->ChargeCaller(quota, *signed_in);
    }
    return quotas_->ChargeAddress(quota, context);
  }
  auto verified = verifier_->CallerOf(context);
  if (!verified.ok()) {
    // Forged or expired tokens cost a signature check each: their address
    // pays for them.
    if (quotas_ != nullptr) {
      if (absl::Status charged = quotas_->ChargeAddress(quota, context); !charged.ok()) {
        return charged;
      }
    }
    return verified.status();
  }
  verified->deadline = caller->deadline;
  *caller = std::move(*verified);
  // The access log names whoever went over their budget.
  return quotas_ == nullptr ? absl::OkStatus() : quotas_->ChargeCaller(quota, *caller, calls);
}

absl::Status RpcRunner::StillWanted(const grpc::CallbackServerContext& context) {
  if (context.IsCancelled()) return absl::CancelledError("call cancelled by the client");
  if (context.deadline() <= std::chrono::system_clock::now()) {
    return absl::DeadlineExceededError("deadline passed before the work started");
  }
  return absl::OkStatus();
}

void RpcRunner::Finish(grpc::ServerUnaryReactor* reactor, const char* method, const Caller& caller,
                       const absl::Status& status, absl::Time start) const {
  Record(method, caller, status, start);
  reactor->Finish(ToGrpcStatus(status));
}

absl::Time RpcRunner::Begin() const {
  if (metrics_ != nullptr) metrics_->CallStarted();
  return absl::Now();
}

void RpcRunner::Record(const char* method, const Caller& caller, const absl::Status& status,
                       absl::Time start) const {
  const absl::Duration took = absl::Now() - start;
  auto micros = absl::ToInt64Microseconds(took);
  if (metrics_ != nullptr) {
    metrics_->CallFinished(method, absl::StatusCodeToString(status.code()), took);
  }
  if (status.ok() && !log_every_call_) return;
  uint64_t held_back = 0;
  if (IsRateLimited(status) && !rate_limited_log_.Admit(absl::Now(), &held_back)) return;
  bool server_fault = absl::IsInternal(status) || absl::IsDataLoss(status) ||
                      absl::IsUnknown(status) || absl::IsUnavailable(status);
  Log(server_fault ? LogLevel::kError : LogLevel::kInfo, "rpc",
      {F("method", method), F("caller", caller.person_id),
       F("privileged", caller.IsPrivileged() ? "true" : "false"),
       F("code", absl::StatusCodeToString(status.code())), F("micros", micros),
       F("error", held_back == 0 ? std::string(status.message())
                                 : absl::StrCat(status.message(), " (and ", held_back,
                                                " more calls refused over a rate limit)"))});
}

}  // namespace trustsphere
