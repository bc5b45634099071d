#pragma once

#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace trustsphere {

enum class Role : uint32_t {
  kUser = 1,
  // Admin RPCs, every read; minted offline from the signing key.
  kOperator = 2,
  // Service-to-service calls.
  kService = 4,
};

// Who is calling, as proved by their access token.
struct Caller {
  std::string person_id;  // the token's subject
  uint32_t roles = 0;
  // The session the token was issued for (RefreshSession); empty for
  // tokens of no session (services', operators').
  std::string session_id;
  // The call's deadline, passed on to the calls it makes downstream.
  absl::Time deadline = absl::InfiniteFuture();

  bool Has(Role role) const { return (roles & static_cast<uint32_t>(role)) != 0; }
  // Operators and services may act on any person's data.
  bool IsPrivileged() const { return Has(Role::kOperator) || Has(Role::kService); }
  // The person themself, or a privileged caller.
  bool MayActFor(const std::string& id) const { return IsPrivileged() || person_id == id; }
};

}  // namespace trustsphere
