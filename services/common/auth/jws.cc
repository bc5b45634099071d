#include "services/common/auth/jws.h"

#include <sodium.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/core/crypto.h"

namespace trustsphere {
namespace {

nlohmann::json ParseJsonPart(absl::string_view part) {
  std::string raw;
  if (!Base64UrlDecode(part, &raw)) return nullptr;
  return nlohmann::json::parse(raw, nullptr, /*allow_exceptions=*/false);
}

}  // namespace

std::string SignCompactJws(nlohmann::json header, const nlohmann::json& payload,
                           const SigningKeyPair& key) {
  EnsureSodium();
  header["alg"] = "EdDSA";
  header["kid"] = key.key_id;
  std::string signing_input =
      absl::StrCat(Base64UrlEncode(header.dump()), ".", Base64UrlEncode(payload.dump()));
  std::string signature(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(signature.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(signing_input.data()),
                       signing_input.size(),
                       reinterpret_cast<const unsigned char*>(key.secret_key.data()));
  return absl::StrCat(signing_input, ".", Base64UrlEncode(signature));
}

absl::StatusOr<VerifiedJws> VerifyCompactJws(absl::string_view jws, const PublicKeySet& keys,
                                             size_t max_bytes) {
  if (jws.size() > max_bytes) return absl::InvalidArgumentError("too long");
  std::vector<absl::string_view> parts = absl::StrSplit(jws, '.');
  if (parts.size() != 3) return absl::InvalidArgumentError("not a compact JWS");

  VerifiedJws verified;
  verified.header = ParseJsonPart(parts[0]);
  if (!verified.header.is_object()) return absl::InvalidArgumentError("malformed header");
  // Only EdDSA: "none" and every other algorithm are refused before any key
  // is looked at (no algorithm confusion).
  if (verified.header.value("alg", "") != "EdDSA") {
    return absl::InvalidArgumentError("algorithm not accepted");
  }
  auto key = keys.find(verified.header.value("kid", ""));
  if (key == keys.end()) return absl::InvalidArgumentError("unknown key id");

  std::string signature;
  if (!Base64UrlDecode(parts[2], &signature) || signature.size() != crypto_sign_BYTES) {
    return absl::InvalidArgumentError("malformed signature");
  }
  EnsureSodium();
  size_t signed_length = parts[0].size() + 1 + parts[1].size();
  if (crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                  reinterpret_cast<const unsigned char*>(jws.data()), signed_length,
                                  reinterpret_cast<const unsigned char*>(key->second.data())) !=
      0) {
    return absl::InvalidArgumentError("bad signature");
  }
  verified.payload = ParseJsonPart(parts[1]);
  if (!verified.payload.is_object()) return absl::InvalidArgumentError("malformed payload");
  return verified;
}

}  // namespace trustsphere
