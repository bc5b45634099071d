#include "services/common/server/quota_limiter.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "services/common/core/errors.h"

namespace trustsphere {

const char* QuotaClassName(QuotaClass quota_class) {
  switch (quota_class) {
    case QuotaClass::kReads:
      return "reads";
    case QuotaClass::kSearches:
      return "searches";
    case QuotaClass::kWrites:
      return "writes";
    case QuotaClass::kLogins:
      return "logins";
    case QuotaClass::kSignups:
      return "signups";
    case QuotaClass::kShareReads:
      return "share_reads";
    case QuotaClass::kImports:
      return "imports";
    case QuotaClass::kRefreshes:
      return "refreshes";
  }
  return "unknown";
}

QuotaLimiter::QuotaLimiter(QuotaOptions options)
    : options_(options), per_shard_(std::max<size_t>(1, options.max_callers / kShards)) {}

QuotaRate QuotaLimiter::RateOf(QuotaClass quota_class, bool privileged) const {
  QuotaRate rate = options_.rates[static_cast<int>(quota_class)];
  if (privileged) {
    rate.per_second *= options_.privileged_factor;
    rate.burst *= options_.privileged_factor;
  }
  return rate;
}

absl::Status QuotaLimiter::Take(QuotaClass quota_class, absl::string_view caller, bool privileged,
                                int calls) {
  auto since_boot = std::chrono::steady_clock::now().time_since_epoch();
  return Take(quota_class, caller, privileged, absl::FromChrono(since_boot), calls);
}

absl::Status QuotaLimiter::Take(QuotaClass quota_class, absl::string_view caller, bool privileged,
                                absl::Duration now, int calls) {
  const QuotaRate rate = RateOf(quota_class, privileged);
  if (rate.unlimited()) return absl::OkStatus();
  // The hash's high bits: its low ones are what the shard's table probes by.
  Shard& shard = shards_[(absl::Hash<absl::string_view>()(caller) >> 60) % kShards];
  double missing = 0;
  {
    absl::MutexLock lock(&shard.mu);
    auto found = shard.budgets.find(caller);
    if (found == shard.budgets.end()) {
      if (shard.budgets.size() >= per_shard_) Evict(shard, now);
      found = shard.budgets.try_emplace(caller).first;
    }
    found->second.last_seen = now;
    found->second.privileged = privileged;
    Bucket& bucket = found->second.buckets[static_cast<int>(quota_class)];
    if (!bucket.started) {
      bucket.tokens = rate.burst;
      bucket.started = true;
    } else {
      double refill = absl::ToDoubleSeconds(now - bucket.refilled_at) * rate.per_second;
      bucket.tokens = std::min(rate.burst, bucket.tokens + std::max(0.0, refill));
    }
    bucket.refilled_at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= calls;
      return absl::OkStatus();
    }
    missing = 1 - bucket.tokens;
  }
  const absl::Duration delay = absl::Seconds(missing / rate.per_second);
  return RateLimited(
      absl::StrCat("over this caller's budget of ", QuotaClassName(quota_class), " (",
                   rate.per_second, " per second, ", rate.burst, " at once): retry in ",
                   absl::FormatDuration(absl::Ceil(delay, absl::Milliseconds(1)))),
      delay);
}

bool QuotaLimiter::Idle(const Budgets& budgets, absl::Duration now) const {
  for (int i = 0; i < kQuotaClassCount; ++i) {
    const Bucket& bucket = budgets.buckets[i];
    if (!bucket.started) continue;
    const QuotaRate rate = RateOf(static_cast<QuotaClass>(i), budgets.privileged);
    if (rate.unlimited()) continue;
    double refill = absl::ToDoubleSeconds(now - bucket.refilled_at) * rate.per_second;
    if (bucket.tokens + refill < rate.burst) return false;
  }
  return true;
}

void QuotaLimiter::Evict(Shard& shard, absl::Duration now) {
  // Idle callers first: their buckets are full, so forgetting them changes
  // nothing. Then the least recently seen, down to 7/8 of the bound at
  // once: a stream of new callers pays one scan per eighth of a shard, not
  // one per caller.
  absl::erase_if(shard.budgets, [&](const auto& entry) { return Idle(entry.second, now); });
  const size_t keep = per_shard_ - std::max<size_t>(1, per_shard_ / 8);
  if (shard.budgets.size() <= keep) return;
  std::vector<absl::Duration> seen;
  seen.reserve(shard.budgets.size());
  for (const auto& [caller, budgets] : shard.budgets) seen.push_back(budgets.last_seen);
  size_t drop = shard.budgets.size() - keep;
  std::nth_element(seen.begin(), seen.begin() + (drop - 1), seen.end());
  const absl::Duration cutoff = seen[drop - 1];
  absl::erase_if(shard.budgets, [&](const auto& entry) {
    if (drop == 0 || entry.second.last_seen > cutoff) return false;
    --drop;
    return true;
  });
}

size_t QuotaLimiter::callers() const {
  size_t total = 0;
  for (const Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    total += shard.budgets.size();
  }
  return total;
}

}  // namespace trustsphere
