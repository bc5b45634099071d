#include "services/common/auth/access_token.h"

#include "absl/strings/str_cat.h"
#include "services/common/auth/jws.h"

namespace trustsphere {
namespace {

constexpr char kIssuer[] = "trustsphere";
constexpr size_t kMaxTokenBytes = 4096;

constexpr std::pair<const char*, Role> kRoleNames[] = {
    {"user", Role::kUser}, {"operator", Role::kOperator}, {"service", Role::kService}};

absl::Status Unauthenticated(absl::string_view why) {
  return absl::UnauthenticatedError(absl::StrCat("invalid access token: ", why));
}

}  // namespace

std::string SignAccessToken(const TokenClaims& claims, const SigningKeyPair& key) {
  nlohmann::json roles = nlohmann::json::array();
  for (const auto& [name, role] : kRoleNames) {
    if (claims.roles & static_cast<uint32_t>(role)) roles.push_back(name);
  }
  nlohmann::json payload = {{"iss", kIssuer},
                            {"sub", claims.subject},
                            {"roles", roles},
                            {"iat", absl::ToUnixSeconds(claims.issued_at)},
                            {"exp", absl::ToUnixSeconds(claims.expires_at)}};
  if (!claims.session_id.empty()) payload["sid"] = claims.session_id;
  return SignCompactJws({{"typ", "JWT"}}, payload, key);
}

absl::StatusOr<TokenClaims> VerifyAccessToken(absl::string_view token, const PublicKeySet& keys,
                                              absl::Time now) {
  auto verified = VerifyCompactJws(token, keys, kMaxTokenBytes);
  if (!verified.ok()) return Unauthenticated(verified.status().message());
  const nlohmann::json& payload = verified->payload;
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
  if (payload.contains("sid")) {
    if (!payload["sid"].is_string()) return Unauthenticated("malformed session");
    claims.session_id = payload["sid"].get<std::string>();
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
