#pragma once

// Argon2id password hashing (libsodium). Hashing is deliberately expensive in
// memory and time; concurrent hashes are bounded so a burst of sign-ups or
// logins cannot take all the process's memory.

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace trustsphere::identity {

struct PasswordHashCost {
  // libsodium's "interactive" level: 2 passes over 64 MiB.
  uint64_t passes = 2;
  size_t memory_bytes = 64 << 20;
  int max_concurrent = 2;
};

class PasswordHasher {
 public:
  explicit PasswordHasher(PasswordHashCost cost);

  // The encoded hash (algorithm, parameters and salt included); "" on an
  // out-of-memory failure.
  std::string Hash(absl::string_view password);
  // Checks against an encoded hash, whatever parameters it was made with.
  bool Verify(absl::string_view encoded_hash, absl::string_view password);
  // Costs what Verify() costs, for unknown accounts: response time does not
  // tell whether an email is registered.
  void VerifyNothing(absl::string_view password);
  // Whether `encoded_hash` is an Argon2id hash in libsodium's format, as an
  // import may bring one from elsewhere.
  static bool IsEncodedHash(absl::string_view encoded_hash);

 private:
  class Slot;
  PasswordHashCost cost_;
  std::string decoy_hash_;
  absl::Mutex mu_;
  int running_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace trustsphere::identity
