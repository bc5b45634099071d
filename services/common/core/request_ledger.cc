#include "services/common/core/request_ledger.h"

#include "absl/strings/str_cat.h"
#include "services/common/core/errors.h"

namespace trustsphere {

std::optional<RequestRecord> RequestLedger::Pending::Record(std::string response,
                                                            absl::Time now) const {
  if (key_.request_id.empty()) return std::nullopt;
  return RequestRecord{.key = key_,
                       .fingerprint = fingerprint_,
                       .response = std::move(response),
                       .create_time = now};
}

absl::StatusOr<RequestLedger::Pending> RequestLedger::Begin(const RequestLog& log, RequestKey key,
                                                            std::string fingerprint,
                                                            const std::string& raw_fingerprint) {
  if (key.request_id.empty()) {
    return Pending(std::nullopt, std::move(key), std::move(fingerprint), std::nullopt);
  }
  KeyLocks::Guard guard =
      locks_.Lock({absl::StrCat(key.scope, "\n", key.method, "\n", key.request_id)});
  auto earlier = log.FindRequest(key);
  if (!earlier.ok()) return earlier.status();
  if (earlier->has_value() && (*earlier)->fingerprint != fingerprint &&
      (raw_fingerprint.empty() || (*earlier)->fingerprint != raw_fingerprint)) {
    return InvalidField("request_id", "already used for a request with other content");
  }
  std::optional<std::string> response;
  if (earlier->has_value()) response = std::move((*earlier)->response);
  return Pending(std::move(guard), std::move(key), std::move(fingerprint), std::move(response));
}

}  // namespace trustsphere
