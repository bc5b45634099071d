#pragma once

// Access tokens: compact JWTs (RFC 7519) signed with EdDSA (Ed25519).
//   header  {"alg":"EdDSA","typ":"JWT","kid":<key id>}
//   payload {"iss":"trustsphere","sub":<person id>,"roles":["user"],"iat":..,"exp":..,
//            "sid":<session id, for a person's login>}

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/auth/jws.h"
#include "services/common/auth/signing_key.h"
#include "services/common/core/caller.h"

namespace trustsphere {

struct TokenClaims {
  std::string subject;
  uint32_t roles = 0;      // a set of Role bits
  std::string session_id;  // "" when the token belongs to no session
  absl::Time issued_at;
  absl::Time expires_at;
};

std::string SignAccessToken(const TokenClaims& claims, const SigningKeyPair& key);

// UNAUTHENTICATED for anything but a well-formed EdDSA token signed by a key
// of `keys`, issued by us, with a subject and at least one known role, and
// not expired at `now` (no leeway: tokens are short-lived by design).
absl::StatusOr<TokenClaims> VerifyAccessToken(absl::string_view token, const PublicKeySet& keys,
                                              absl::Time now);

}  // namespace trustsphere
