#include "services/identity/login_throttle.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace trustsphere::identity {

absl::Duration LoginThrottle::DelayAfter(int64_t failures) {
  if (failures < kFreeFailures) return absl::ZeroDuration();
  const int64_t doublings = std::min<int64_t>(failures - kFreeFailures, 20);
  return std::min(absl::Seconds(1) * (int64_t{1} << doublings), kMaxDelay);
}

absl::Status LoginThrottle::Allowed(int64_t failures, absl::Time last, absl::Time now) {
  const absl::Time allowed = last + DelayAfter(failures);
  if (now >= allowed) return absl::OkStatus();
  return absl::ResourceExhaustedError(
      absl::StrCat("too many failed attempts for this email; retry in ",
                   absl::ToInt64Seconds(absl::Ceil(allowed - now, absl::Seconds(1))), " s"));
}

absl::Status MemoryLoginThrottle::Check(const std::string& email, absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto found = failures_.find(email);
  if (found == failures_.end()) return absl::OkStatus();
  return Allowed(found->second.count, found->second.last, now);
}

void MemoryLoginThrottle::RecordFailure(const std::string& email, absl::Time now) {
  absl::MutexLock lock(&mu_);
  if (failures_.size() >= kMaxTracked) EvictStale(now);
  Failures& entry = failures_[email];
  // Failures older than the longest delay are forgiven.
  if (entry.count > 0 && now - entry.last > kMaxDelay) entry.count = 0;
  ++entry.count;
  entry.last = now;
}

void MemoryLoginThrottle::RecordSuccess(const std::string& email) {
  absl::MutexLock lock(&mu_);
  failures_.erase(email);
}

void MemoryLoginThrottle::EvictStale(absl::Time now) {
  absl::erase_if(failures_, [&](const auto& entry) { return now - entry.second.last > kMaxDelay; });
  // Still full: an attack on very many emails at once. Forgetting all keeps
  // memory bounded; each email still gets only kFreeFailures quick guesses
  // per eviction.
  if (failures_.size() >= kMaxTracked) failures_.clear();
}

}  // namespace trustsphere::identity
