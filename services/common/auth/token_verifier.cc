#include "services/common/auth/token_verifier.h"

#include <algorithm>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpc/grpc_security_constants.h"
#include "grpcpp/security/auth_context.h"
#include "grpcpp/server_context.h"

namespace trustsphere {

void TokenVerifier::SetKeys(PublicKeySet keys) {
  absl::MutexLock lock(&mu_);
  if (keys == keys_) return;
  keys_ = std::move(keys);
  cache_.clear();
}

namespace {

constexpr absl::string_view kScheme = "Bearer ";

// The token of an "authorization" value, or nullopt when it is not
// "Bearer <token>".
std::optional<absl::string_view> BearerToken(absl::string_view authorization) {
  if (!absl::StartsWithIgnoreCase(authorization, kScheme)) return std::nullopt;
  return authorization.substr(kScheme.size());
}

// The call's "authorization" metadata; empty without one.
absl::string_view AuthorizationOf(const grpc::CallbackServerContext& context) {
  const auto& metadata = context.client_metadata();
  auto found = metadata.find("authorization");
  return found == metadata.end() ? absl::string_view()
                                 : absl::string_view(found->second.data(), found->second.size());
}

}  // namespace

absl::StatusOr<Caller> TokenVerifier::Verify(absl::string_view authorization) const {
  if (authorization.empty()) {
    return absl::UnauthenticatedError("missing authorization metadata (Bearer token)");
  }
  const std::optional<absl::string_view> bearer = BearerToken(authorization);
  if (!bearer) {
    return absl::UnauthenticatedError("authorization metadata must be \"Bearer <token>\"");
  }
  const absl::string_view token = *bearer;
  absl::Time now = absl::Now();
  std::string key(token);

  PublicKeySet keys;
  {
    absl::MutexLock lock(&mu_);
    if (auto hit = cache_.find(key); hit != cache_.end()) {
      if (hit->second.expires_at > now) return Unrevoked(hit->second);
      cache_.erase(hit);
      return absl::UnauthenticatedError("invalid access token: expired");
    }
    keys = keys_;
  }

  auto claims = VerifyAccessToken(token, keys, now);
  if (!claims.ok()) return claims.status();
  Cached verified{.caller = {.person_id = claims->subject,
                             .roles = claims->roles,
                             .session_id = claims->session_id},
                  .issued_at = claims->issued_at,
                  .expires_at = claims->expires_at};

  absl::MutexLock lock(&mu_);
  // Past the bound, start over: simpler than LRU, and a refill costs one
  // signature check per active token.
  if (cache_.size() >= kMaxCachedTokens) cache_.clear();
  cache_[key] = verified;
  return Unrevoked(verified);
}

absl::StatusOr<Caller> TokenVerifier::Unrevoked(const Cached& verified) const {
  if (auto revoked = revoked_.find(verified.caller.person_id);
      revoked != revoked_.end() && verified.issued_at <= revoked->second) {
    return absl::UnauthenticatedError("access token revoked: its person was deleted");
  }
  if (!verified.caller.session_id.empty() &&
      revoked_sessions_.contains(verified.caller.session_id)) {
    return absl::UnauthenticatedError("access token revoked: its session was ended");
  }
  return verified.caller;
}

void TokenVerifier::RevokeSession(const std::string& session_id, absl::Time until) {
  const absl::Time now = absl::Now();
  absl::MutexLock lock(&mu_);
  if (until > now) {
    absl::Time& revoked = revoked_sessions_[session_id];
    revoked = std::max(revoked, until);
  }
  // At most one sweep a minute: the list stays bounded by the sessions
  // ended within a token's lifetime plus a minute.
  if (now < next_sweep_) return;
  next_sweep_ = now + absl::Minutes(1);
  absl::erase_if(revoked_sessions_, [now](const auto& entry) { return entry.second <= now; });
}

void TokenVerifier::Revoke(const std::string& subject, absl::Time at) {
  absl::MutexLock lock(&mu_);
  absl::Time& revoked = revoked_[subject];
  revoked = std::max(revoked, at);
}

bool TokenVerifier::HasUnverifiedToken(const grpc::CallbackServerContext& context) const {
  const absl::string_view authorization = AuthorizationOf(context);
  if (authorization.empty()) return false;
  const std::optional<absl::string_view> token = BearerToken(authorization);
  if (!token) return true;
  absl::MutexLock lock(&mu_);
  return !cache_.contains(*token);
}

absl::StatusOr<Caller> TokenVerifier::CallerOf(const grpc::CallbackServerContext& context) const {
  auto caller = Verify(AuthorizationOf(context));
  if (!caller.ok() || !require_service_certificates_ || !caller->Has(Role::kService)) {
    return caller;
  }
  // The TLS layer verified the certificate against the CA before the call
  // began; its names are the connection's peer properties.
  const std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth == nullptr || auth->FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME).empty()) {
    return absl::UnauthenticatedError(
        "a service's token needs the service's client certificate on the connection");
  }
  // The common name and the DNS names only: other kinds of names (URI,
  // email) are not compared.
  std::vector<grpc::string_ref> names;
  for (const char* property : {GRPC_X509_CN_PROPERTY_NAME, GRPC_PEER_DNS_PROPERTY_NAME}) {
    for (const auto& name : auth->FindPropertyValues(property)) names.push_back(name);
  }
  for (const auto& name : names) {
    if (absl::string_view(name.data(), name.size()) == caller->person_id) return caller;
  }
  return absl::PermissionDeniedError(
      absl::StrCat("the client certificate does not name the service ", caller->person_id));
}

}  // namespace trustsphere
