#include "bench/person_tokens.h"

#include "absl/time/clock.h"
#include "bench/synthetic_network.h"
#include "services/common/auth/access_token.h"

namespace trustsphere::bench {
namespace {

std::string Sign(const std::string& subject, Role role, const SigningKeyPair& key) {
  TokenClaims claims;
  claims.subject = subject;
  claims.roles = static_cast<uint32_t>(role);
  claims.issued_at = absl::Now();
  // Longer than any benchmark run.
  claims.expires_at = claims.issued_at + absl::Hours(6);
  return SignAccessToken(claims, key);
}

}  // namespace

std::string PersonTokens::Of(uint32_t person) {
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = tokens_.try_emplace(person);
  if (inserted) it->second = Sign(SyntheticNetwork::PersonId(person), Role::kUser, key_);
  return it->second;
}

std::string PersonTokens::Privileged(const std::string& subject, const std::string& role) const {
  return Sign(subject, role == "operator" ? Role::kOperator : Role::kService, key_);
}

}  // namespace trustsphere::bench
