// Request validation: a TrustStatement parsed from arbitrary bytes (any
// field, any length, any enum number, invalid UTF-8) is either normalised or
// refused with INVALID_ARGUMENT naming fields under "statement.", never
// anything else; a normalised one is stable under normalisation.

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/match.h"
#include "services/common/core/errors.h"
#include "services/relationships/trust_validation.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace v1 = trustsphere::relationships::v1;
  v1::TrustStatement input;
  if (!input.ParseFromArray(data, static_cast<int>(size))) return 0;
  const std::string truster = "prs_truster";
  auto normalized = trustsphere::relationships::NormalizeStatement(input, truster);
  if (!normalized.ok()) {
    if (!absl::IsInvalidArgument(normalized.status()) &&
        !absl::IsPermissionDenied(normalized.status())) {
      __builtin_trap();
    }
    for (const auto& [field, description] : trustsphere::FieldViolationsOf(normalized.status())) {
      if (!absl::StartsWith(field, "statement")) __builtin_trap();
    }
    return 0;
  }
  auto again = trustsphere::relationships::NormalizeStatement(*normalized, truster);
  if (!again.ok() || again->SerializeAsString() != normalized->SerializeAsString()) {
    __builtin_trap();
  }
  trustsphere::relationships::NamedPositions(*normalized);
  trustsphere::relationships::VocabularyTags(*normalized);
  return 0;
}
