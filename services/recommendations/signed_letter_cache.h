#pragma once

// Signed exports kept for the dossiers read again: the same recommendation
// version under the same names and key is signed once and its JWS handed
// out until it is `max_age` old. Signing was a sixth of a dossier read's
// CPU, and a share is read again and again by its recruiter.

#include <cstddef>
#include <list>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/auth/signing_key.h"
#include "trustsphere/recommendations/v1/recommendations.pb.h"

namespace trustsphere::recommendations {

class SignedLetterCache {
 public:
  // At most `capacity` letters (the least recently used go first), none
  // older than `max_age`.
  SignedLetterCache(size_t capacity, absl::Duration max_age)
      : capacity_(capacity), max_age_(max_age) {}

  // The JWS of SignRecommendation for these arguments, signed at `now` or
  // taken from a signature made less than max_age before.
  std::string Sign(const v1::Recommendation& recommendation, const std::string& author_name,
                   const std::string& subject_name, absl::Time now, const SigningKeyPair& key);

  size_t size() const;

 private:
  struct Letter {
    std::string key;
    std::string jws;
    absl::Time signed_at;
  };

  const size_t capacity_;
  const absl::Duration max_age_;
  mutable absl::Mutex mu_;
  // Most recently used first.
  std::list<Letter> letters_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::list<Letter>::iterator> by_key_ ABSL_GUARDED_BY(mu_);
};

}  // namespace trustsphere::recommendations
