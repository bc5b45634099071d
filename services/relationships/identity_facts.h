#pragma once

// What identity confirmed, remembered between calls: which people are live
// and who owns which position. People and positions are never reused, a
// deleted person stays a tombstone and a position never changes owner, so
// each answer stays true until that person's deletion or that position's
// removal, which this learns by following identity's change log
// (ListIdentityChanges).
//
// A remembered answer is used only while the follower is fresh: its last
// poll that reached the end of the log began less than `trust_for` ago. A
// deletion or removal therefore goes unnoticed for at most `trust_for`; when
// the follower falls behind or identity stops answering, every question goes
// to identity again. Tombstones, once seen, are kept for good.

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/downstream/identity_directory.h"

namespace trustsphere::relationships {

class IdentityFacts {
 public:
  struct Options {
    absl::Duration poll_interval = absl::Milliseconds(250);
    absl::Duration trust_for = absl::Seconds(1);
    // Answers kept of each kind; past it they are all forgotten at once (a
    // rare, cheap reset rather than an eviction order on every call).
    size_t max_remembered = 2'000'000;
  };

  IdentityFacts(IdentityDirectory* identity, Options options);
  ~IdentityFacts();
  IdentityFacts(const IdentityFacts&) = delete;
  IdentityFacts& operator=(const IdentityFacts&) = delete;

  // Follows identity's change log on a thread of its own until destroyed.
  // Without it, nothing is remembered as live or owned and every question
  // goes to identity.
  void StartFollowing();

  // The ids among `ids` that are live people; the others never existed or
  // were deleted. UNAVAILABLE (or DEADLINE_EXCEEDED) when identity has to
  // be asked and cannot answer.
  absl::StatusOr<absl::flat_hash_set<std::string>> Live(const std::set<std::string>& ids,
                                                        absl::Time deadline);
  // The owner of each position among `ids` that exists; errors as Live.
  absl::StatusOr<absl::flat_hash_map<std::string, std::string>> Owners(
      const std::set<std::string>& ids, absl::Time deadline);

  // Whether remembered answers are used now.
  bool fresh() const;

 private:
  struct Gone {
    std::vector<std::string> people, positions;
  };
  void Follow();
  // Reads the log until a page comes back short; fresh from `started` on.
  absl::Status CatchUp(absl::Time started);
  // What the follower read, or what identity answered: a deletion or
  // removal read meanwhile wins over an answer given before it.
  void Forget(const Gone& gone) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RememberLive(const std::vector<std::string>& ids) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RememberOwners(const std::vector<std::pair<std::string, std::string>>& owners)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool FreshLocked() const ABSL_SHARED_LOCKS_REQUIRED(mu_) { return absl::Now() < fresh_until_; }

  IdentityDirectory* const identity_;
  const Options options_;

  mutable absl::Mutex mu_;
  absl::flat_hash_set<std::string> live_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> deleted_ ABSL_GUARDED_BY(mu_);
  // Position id to its owner. A deleted person's positions go without an
  // entry of their own in the log; they stay here harmlessly, since an
  // owner must also be live for a position to count.
  absl::flat_hash_map<std::string, std::string> owners_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> removed_ ABSL_GUARDED_BY(mu_);
  absl::Time fresh_until_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  std::string cursor_;  // the follower's alone
  std::thread follower_;
};

}  // namespace trustsphere::relationships
