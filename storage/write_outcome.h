#pragma once

// A write whose commit was sent and whose answer never came (the
// connection, or the primary, lost on the way): it may have taken effect
// or not, and only its request's idempotency record can tell which. Every
// store gives it this status, so that the layer that holds the request id
// can run the request again and be answered by that record.

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace trustsphere::storage {

inline constexpr absl::string_view kOutcomeUnknown = "commit outcome unknown: ";

inline absl::Status OutcomeUnknownError(absl::string_view why) {
  return absl::UnavailableError(absl::StrCat(kOutcomeUnknown, why));
}

inline bool IsOutcomeUnknown(const absl::Status& status) {
  return absl::IsUnavailable(status) && absl::StartsWith(status.message(), kOutcomeUnknown);
}

}  // namespace trustsphere::storage
