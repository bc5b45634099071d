// Signed recommendations are verified from whatever a recruiter pastes:
// arbitrary bytes must be refused with INVALID_ARGUMENT unless they are a
// JWS our key signed, and an accepted one has JSON object parts.

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_keys.h"
#include "services/common/auth/jws.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string jws(reinterpret_cast<const char*>(data), size);
  auto verified = trustsphere::VerifyCompactJws(jws, trustsphere::fuzz::FixedKeys(), 64 << 10);
  if (!verified.ok()) {
    if (!absl::IsInvalidArgument(verified.status())) __builtin_trap();
    return 0;
  }
  if (!verified->header.is_object() || !verified->payload.is_object()) __builtin_trap();
  return 0;
}
