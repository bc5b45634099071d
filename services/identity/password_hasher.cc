#include "services/identity/password_hasher.h"

#include <sodium.h>

#include "absl/strings/match.h"
#include "services/common/core/crypto.h"

namespace trustsphere::identity {

// Holds one of the bounded hashing slots while alive.
class PasswordHasher::Slot {
 public:
  explicit Slot(PasswordHasher* hasher) : hasher_(hasher) {
    absl::MutexLock lock(&hasher_->mu_);
    hasher_->mu_.Await(absl::Condition(
        +[](PasswordHasher* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
          return self->running_ < self->cost_.max_concurrent;
        },
        hasher_));
    ++hasher_->running_;
  }
  ~Slot() {
    absl::MutexLock lock(&hasher_->mu_);
    --hasher_->running_;
  }

 private:
  PasswordHasher* hasher_;
};

PasswordHasher::PasswordHasher(PasswordHashCost cost) : cost_(cost) {
  EnsureSodium();
  decoy_hash_ = Hash("decoy password never matched");
}

std::string PasswordHasher::Hash(absl::string_view password) {
  Slot slot(this);
  char encoded[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(encoded, password.data(), password.size(), cost_.passes,
                            cost_.memory_bytes, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return "";
  }
  return encoded;
}

bool PasswordHasher::Verify(absl::string_view encoded_hash, absl::string_view password) {
  Slot slot(this);
  std::string terminated(encoded_hash);
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

void PasswordHasher::VerifyNothing(absl::string_view password) { Verify(decoy_hash_, password); }

bool PasswordHasher::IsEncodedHash(absl::string_view encoded_hash) {
  if (!absl::StartsWith(encoded_hash, "$argon2id$") ||
      encoded_hash.size() >= crypto_pwhash_STRBYTES) {
    return false;
  }
  std::string terminated(encoded_hash);
  // -1 when the string is not a hash libsodium can read; 0 or 1 otherwise.
  return crypto_pwhash_str_needs_rehash(terminated.c_str(), crypto_pwhash_OPSLIMIT_MIN,
                                        crypto_pwhash_MEMLIMIT_MIN) != -1;
}

}  // namespace trustsphere::identity
