#pragma once

// Access tokens of the network's people, signed with identity's key as
// identity signs them at login (without 100,000 logins), one per person.

#include <cstdint>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "services/common/auth/signing_key.h"

namespace trustsphere::bench {

class PersonTokens {
 public:
  explicit PersonTokens(SigningKeyPair key) : key_(std::move(key)) {}

  std::string Of(uint32_t person);
  // A token of another role ("operator" or "service") for `subject`.
  std::string Privileged(const std::string& subject, const std::string& role) const;

 private:
  SigningKeyPair key_;
  absl::Mutex mu_;
  absl::flat_hash_map<uint32_t, std::string> tokens_ ABSL_GUARDED_BY(mu_);
};

}  // namespace trustsphere::bench
