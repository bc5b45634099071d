#pragma once

// Which people identity says are live, remembered between calls. People are
// never reused and a deleted person stays a tombstone, so identity's "live"
// stays true until that person's deletion, which this learns by following
// identity's change log (ListIdentityChanges).
//
// A remembered confirmation is used only while the follower is fresh: its
// last poll that reached the end of the log began less than `trust_for`
// ago. A deletion therefore goes unnoticed for at most `trust_for`; when the
// follower falls behind or identity stops answering, every question goes to
// identity again. Tombstones, once seen, are kept for good.

#include <set>
#include <string>
#include <thread>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/downstream/identity_directory.h"

namespace trustsphere::relationships {

class LivePeople {
 public:
  struct Options {
    absl::Duration poll_interval = absl::Milliseconds(250);
    absl::Duration trust_for = absl::Seconds(1);
    // Live confirmations kept; past it they are all forgotten at once (a
    // rare, cheap reset rather than an eviction order on every call).
    size_t max_remembered = 2'000'000;
  };

  LivePeople(IdentityDirectory* identity, Options options);
  ~LivePeople();
  LivePeople(const LivePeople&) = delete;
  LivePeople& operator=(const LivePeople&) = delete;

  // Follows identity's change log on a thread of its own until destroyed.
  // Without it, nothing is remembered as live and every question goes to
  // identity.
  void StartFollowing();

  // The ids among `ids` that are live people; the others never existed or
  // were deleted. UNAVAILABLE (or DEADLINE_EXCEEDED) when identity has to
  // be asked and cannot answer.
  absl::StatusOr<absl::flat_hash_set<std::string>> Live(const std::set<std::string>& ids,
                                                        absl::Time deadline);

  // Whether remembered confirmations are used now.
  bool fresh() const;

 private:
  void Follow();
  // Reads the log until a page comes back short; fresh from `started` on.
  absl::Status CatchUp(absl::Time started);
  void Remember(const std::vector<std::string>& live, const std::vector<std::string>& deleted);

  IdentityDirectory* const identity_;
  const Options options_;

  mutable absl::Mutex mu_;
  absl::flat_hash_set<std::string> live_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> deleted_ ABSL_GUARDED_BY(mu_);
  absl::Time fresh_until_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  std::string cursor_;  // the follower's alone
  std::thread follower_;
};

}  // namespace trustsphere::relationships
