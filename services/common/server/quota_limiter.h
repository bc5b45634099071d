#pragma once

// Per-caller rate limits: one token bucket per (caller, class of RPC). A
// caller is a verified token's subject or, for calls without one, a client
// address (client_address.h). Each class refills at its own rate up to its
// burst; operators and services get every budget multiplied by a factor.
//
// The buckets of one caller sit in one entry of a sharded hash map, so a call
// costs one lock of a shard and one lookup without allocation. The map holds
// at most `max_callers` entries: when a shard is full, the entries whose
// buckets have all refilled (callers idle long enough that forgetting them
// changes nothing) are dropped; if none has, the least recently seen goes.

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace trustsphere {

// What a call costs the server, which decides the budget it draws from.
enum class QuotaClass : int {
  kReads = 0,   // point reads and short lists of local storage
  kSearches,    // graph walks and searches (FindVouchers, SearchTags, ...)
  kWrites,      // anything that writes
  kLogins,      // Authenticate by client address; ChangePassword per person
  kSignups,     // CreatePerson, by client address
  kShareReads,  // GetSharedDossier by share token, by client address
  kImports,     // operators' bulk import streams, per stream
  kRefreshes,   // RefreshSession, by client address
};
inline constexpr int kQuotaClassCount = 8;

// The flag-name spelling of a class ("reads", "share_reads", ...).
const char* QuotaClassName(QuotaClass quota_class);

// A token bucket's shape; per_second <= 0 means unlimited.
struct QuotaRate {
  double per_second = 0;
  double burst = 0;
  bool unlimited() const { return per_second <= 0; }
};

struct QuotaOptions {
  std::array<QuotaRate, kQuotaClassCount> rates;
  // Operators and services act for many people: their budgets are this many
  // times a person's.
  double privileged_factor = 100;
  size_t max_callers = 200000;
};

class QuotaLimiter {
 public:
  explicit QuotaLimiter(QuotaOptions options);

  // Takes one call of `quota_class` from `caller`'s budget at `now` (a
  // monotonic clock): OK, or RESOURCE_EXHAUSTED carrying google.rpc.RetryInfo
  // with the delay after which the next call would be admitted.
  // `calls` 0 only checks that one call would be admitted, taking nothing.
  absl::Status Take(QuotaClass quota_class, absl::string_view caller, bool privileged,
                    absl::Duration now, int calls = 1);
  // Take() now.
  absl::Status Take(QuotaClass quota_class, absl::string_view caller, bool privileged,
                    int calls = 1);

  // Entries held (for tests of the bound).
  size_t callers() const;

 private:
  struct Bucket {
    double tokens = 0;
    absl::Duration refilled_at;
    bool started = false;
  };
  struct Budgets {
    std::array<Bucket, kQuotaClassCount> buckets;
    absl::Duration last_seen;
    bool privileged = false;
  };
  struct Shard {
    mutable absl::Mutex mu;
    absl::flat_hash_map<std::string, Budgets> budgets ABSL_GUARDED_BY(mu);
  };
  static constexpr size_t kShards = 16;

  QuotaRate RateOf(QuotaClass quota_class, bool privileged) const;
  // Makes room for one more entry in a full shard.
  void Evict(Shard& shard, absl::Duration now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu);
  // Whether every bucket of `budgets` would be full at `now`.
  bool Idle(const Budgets& budgets, absl::Duration now) const;

  const QuotaOptions options_;
  const size_t per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace trustsphere
