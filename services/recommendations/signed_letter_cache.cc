#include "services/recommendations/signed_letter_cache.h"

#include "absl/strings/str_cat.h"
#include "services/recommendations/signed_export.h"

namespace trustsphere::recommendations {
namespace {

// Everything the signed bytes depend on but the signing time. A version's
// contents never change (an edit makes a new version).
std::string LetterKey(const v1::Recommendation& recommendation, const std::string& author_name,
                      const std::string& subject_name, const SigningKeyPair& key) {
  // Lengths first, so that no two argument lists give one key.
  return absl::StrCat(recommendation.id().size(), ":", recommendation.id(), "/",
                      recommendation.version(), "/", author_name.size(), ":", author_name, "/",
                      subject_name.size(), ":", subject_name, "/", key.key_id);
}

}  // namespace

std::string SignedLetterCache::Sign(const v1::Recommendation& recommendation,
                                    const std::string& author_name, const std::string& subject_name,
                                    absl::Time now, const SigningKeyPair& key) {
  std::string letter_key = LetterKey(recommendation, author_name, subject_name, key);
  {
    absl::MutexLock lock(&mu_);
    auto found = by_key_.find(letter_key);
    if (found != by_key_.end()) {
      if (now - found->second->signed_at < max_age_) {
        letters_.splice(letters_.begin(), letters_, found->second);
        return found->second->jws;
      }
      letters_.erase(found->second);
      by_key_.erase(found);
    }
  }
  // Signed outside the lock: two readers of one new letter may both sign
  // it, and either signature is valid.
  std::string jws = SignRecommendation(recommendation, author_name, subject_name, now, key);
  absl::MutexLock lock(&mu_);
  if (by_key_.contains(letter_key) || capacity_ == 0) return jws;
  letters_.push_front({letter_key, jws, now});
  by_key_.emplace(std::move(letter_key), letters_.begin());
  while (letters_.size() > capacity_) {
    by_key_.erase(letters_.back().key);
    letters_.pop_back();
  }
  return jws;
}

size_t SignedLetterCache::size() const {
  absl::MutexLock lock(&mu_);
  return letters_.size();
}

}  // namespace trustsphere::recommendations
