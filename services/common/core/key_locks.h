#pragma once

// Serialises read-modify-write sequences on the same logical keys (a person,
// an email) within one process, the only writer of its database. Each key is
// its own lock, so callers on different keys never wait for each other: a
// holder may keep its keys across a synced write of several milliseconds,
// and a false collision would make every writer behind it miss that group
// commit. Several keys are taken in key order, so two callers never
// deadlock.

#include <string>
#include <utility>
#include <vector>

#include "absl/container/node_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace trustsphere {

class KeyLocks {
  struct Holder {
    bool held = false;
    int users = 0;  // the holder and its waiters; the entry goes at zero
  };
  using Entry = std::pair<const std::string, Holder>;

 public:
  class Guard {
   public:
    Guard(Guard&& other) noexcept
        : owner_(std::exchange(other.owner_, nullptr)), held_(std::move(other.held_)) {}
    Guard& operator=(Guard&&) = delete;
    ~Guard();

   private:
    friend class KeyLocks;
    Guard(KeyLocks* owner, std::vector<Entry*> held) : owner_(owner), held_(std::move(held)) {}
    KeyLocks* owner_;
    std::vector<Entry*> held_;
  };

  // Blocks until every key is held.
  Guard Lock(std::vector<std::string> keys);

 private:
  void Release(const std::vector<Entry*>& held);

  absl::Mutex mu_;
  // Only keys held or waited for; node-based, so an entry stays put while
  // others come and go.
  absl::node_hash_map<std::string, Holder> holders_ ABSL_GUARDED_BY(mu_);
};

}  // namespace trustsphere
