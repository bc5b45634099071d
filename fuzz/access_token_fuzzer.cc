// Access tokens arrive in every call's metadata: arbitrary bytes must be
// refused (UNAUTHENTICATED) unless they are a token signed by our key, and a
// token accepted has a subject and a known role.

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "fuzz/fuzz_keys.h"
#include "services/common/auth/access_token.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string token(reinterpret_cast<const char*>(data), size);
  // A fixed "now" keeps the seed tokens valid (they expire in 2100).
  const absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  auto claims = trustsphere::VerifyAccessToken(token, trustsphere::fuzz::FixedKeys(), now);
  if (!claims.ok()) {
    if (!absl::IsUnauthenticated(claims.status())) __builtin_trap();
    return 0;
  }
  if (claims->subject.empty() || claims->roles == 0 || claims->expires_at <= now) {
    __builtin_trap();
  }
  return 0;
}
