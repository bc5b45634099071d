#pragma once

// Compact JWS (RFC 7515) with EdDSA (Ed25519): the one signing format of the
// project, for access tokens and for exported recommendations.

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "services/common/auth/signing_key.h"

namespace trustsphere {

// Public keys by key id.
using PublicKeySet = absl::flat_hash_map<std::string, std::string>;

// header (alg and kid are set here) . payload . signature, base64url.
std::string SignCompactJws(nlohmann::json header, const nlohmann::json& payload,
                           const SigningKeyPair& key);

struct VerifiedJws {
  nlohmann::json header;
  nlohmann::json payload;
};

// The header and payload of a well-formed EdDSA JWS signed by a key of
// `keys`. Anything else (another algorithm, "none" included, an unknown key,
// a changed byte, a payload that is not a JSON object) is INVALID_ARGUMENT
// with the reason.
absl::StatusOr<VerifiedJws> VerifyCompactJws(absl::string_view jws, const PublicKeySet& keys,
                                             size_t max_bytes);

}  // namespace trustsphere
