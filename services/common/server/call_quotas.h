#pragma once

// The rate limits a server applies to its calls, configured by flags:
// --quotas (on/off), --quota_<class>=RATE:BURST per class of RPC (calls per
// second a caller may sustain, and how many at once), --privileged_quota_factor
// (operators' and services' budgets, as a multiple) and --trusted_proxies
// (whose x-forwarded-for is believed). Limits are per process: in
// distributed mode each replica keeps its own buckets.

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "services/common/core/caller.h"
#include "services/common/server/client_address.h"
#include "services/common/server/quota_limiter.h"

namespace grpc {
class CallbackServerContext;
}

namespace trustsphere {

// --quota_<class> values: "RATE:BURST" ("0.2:20") or "off".
bool AbslParseFlag(absl::string_view text, QuotaRate* rate, std::string* error);
std::string AbslUnparseFlag(const QuotaRate& rate);

class CallQuotas {
 public:
  CallQuotas(QuotaOptions options, ClientAddresses addresses)
      : limiter_(options), addresses_(std::move(addresses)) {}

  // A call with a verified token, charged to its subject; a batch of
  // `calls` is admitted with one call's budget left and leaves the bucket
  // owing the rest, which delays the caller's next calls.
  absl::Status ChargeCaller(QuotaClass quota_class, const Caller& caller, int calls = 1) {
    return limiter_.Take(quota_class, caller.person_id, caller.IsPrivileged(), calls);
  }
  // A call without a token (or whose token was refused), charged to its
  // client address.
  absl::Status ChargeAddress(QuotaClass quota_class, const grpc::CallbackServerContext& context) {
    return limiter_.Take(quota_class, addresses_.Of(context), /*privileged=*/false);
  }
  // Whether the call's address could pay for one call, taking nothing: a
  // token never verified before costs a signature check, which an address
  // over its budget (of refused tokens, say) does not get.
  absl::Status CheckAddress(QuotaClass quota_class, const grpc::CallbackServerContext& context) {
    return limiter_.Take(quota_class, addresses_.Of(context), /*privileged=*/false, /*calls=*/0);
  }

 private:
  QuotaLimiter limiter_;
  ClientAddresses addresses_;
};

// The quotas the flags ask for; null with --quotas=off. Exits with one line
// naming the flag when a value is wrong.
std::unique_ptr<CallQuotas> CallQuotasFromFlags();

}  // namespace trustsphere
