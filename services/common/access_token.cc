#include "services/common/access_token.h"

#include <sodium.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"
#include "services/common/crypto.h"

namespace trustsphere {
namespace {

constexpr char kIssuer[] = "trustsphere";
constexpr size_t kMaxTokenBytes = 4096;

constexpr std::pair<const char*, Role> kRoleNames[] = {
    {"user", Role::kUser}, {"operator", Role::kOperator}, {"service", Role::kService}};

absl::Status Unauthenticated(absl::string_view why) {
  return absl::UnauthenticatedError(absl::StrCat("invalid access token: ", why));
}

nlohmann::json ParseJsonPart(absl::string_view part) {
  std::string raw;
  if (!Base64UrlDecode(part, &raw)) return nullptr;
  return nlohmann::json::parse(raw, nullptr, /*allow_exceptions=*/false);
}

}  // namespace

std::string SignAccessToken(const TokenClaims& claims, const SigningKeyPair& key) {
  nlohmann::json header = {{"alg", "EdDSA"}, {"typ", "JWT"}, {"kid", key.key_id}};
  nlohmann::json roles = nlohmann::json::array();
  for (const auto& [name, role] : kRoleNames) {
    if (claims.roles & static_cast<uint32_t>(role)) roles.push_back(name);
  }
  nlohmann::json payload = {{"iss", kIssuer},
                            {"sub", claims.subject},
                            {"roles", roles},
                            {"iat", absl::ToUnixSeconds(claims.issued_at)},
                            {"exp", absl::ToUnixSeconds(claims.expires_at)}};
  std::string signing_input =
      absl::StrCat(Base64UrlEncode(header.dump()), ".", Base64UrlEncode(payload.dump()));
  std::string signature(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(signature.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(signing_input.data()),
                       signing_input.size(),
                       reinterpret_cast<const unsigned char*>(key.secret_key.data()));
  return absl::StrCat(signing_input, ".", Base64UrlEncode(signature));
}

absl::StatusOr<TokenClaims> VerifyAccessToken(absl::string_view token, const PublicKeySet& keys,
                                              absl::Time now) {
  if (token.size() > kMaxTokenBytes) return Unauthenticated("too long");
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) return Unauthenticated("not a compact JWS");

  nlohmann::json header = ParseJsonPart(parts[0]);
  if (!header.is_object()) return Unauthenticated("malformed header");
  // Only EdDSA: "none" and every other algorithm are refused before any key
  // is looked at (no algorithm confusion).
  if (header.value("alg", "") != "EdDSA") return Unauthenticated("algorithm not accepted");
  auto key = keys.find(header.value("kid", ""));
  if (key == keys.end()) return Unauthenticated("unknown key id");

  std::string signature;
  if (!Base64UrlDecode(parts[2], &signature) || signature.size() != crypto_sign_BYTES) {
    return Unauthenticated("malformed signature");
  }
  size_t signed_length = parts[0].size() + 1 + parts[1].size();
  EnsureSodium();
  if (crypto_sign_verify_detached(
          reinterpret_cast<const unsigned char*>(signature.data()),
          reinterpret_cast<const unsigned char*>(token.data()), signed_length,
          reinterpret_cast<const unsigned char*>(key->second.data())) != 0) {
    return Unauthenticated("bad signature");
  }

  nlohmann::json payload = ParseJsonPart(parts[1]);
  if (!payload.is_object()) return Unauthenticated("malformed payload");
  if (payload.value("iss", "") != kIssuer) return Unauthenticated("unknown issuer");
  if (!payload.contains("exp") || !payload["exp"].is_number_integer() || !payload.contains("sub") ||
      !payload["sub"].is_string() || !payload.contains("roles") || !payload["roles"].is_array()) {
    return Unauthenticated("missing claims");
  }
  TokenClaims claims;
  claims.subject = payload["sub"].get<std::string>();
  claims.expires_at = absl::FromUnixSeconds(payload["exp"].get<int64_t>());
  if (payload.contains("iat") && payload["iat"].is_number_integer()) {
    claims.issued_at = absl::FromUnixSeconds(payload["iat"].get<int64_t>());
  }
  for (const auto& role : payload["roles"]) {
    for (const auto& [name, value] : kRoleNames) {
      if (role.is_string() && role.get<std::string>() == name) {
        claims.roles |= static_cast<uint32_t>(value);
      }
    }
  }
  if (claims.subject.empty() || claims.roles == 0) return Unauthenticated("no subject or role");
  if (claims.expires_at <= now) return Unauthenticated("expired");
  return claims;
}

}  // namespace trustsphere
