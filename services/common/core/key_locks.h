#pragma once

// Serialises read-modify-write sequences on the same logical keys (a person,
// an email) within one process, the only writer of its database. Keys hash
// onto a fixed set of mutexes; several keys are locked in stripe order, so
// two callers never deadlock.

#include <array>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace trustsphere {

class KeyLocks {
 public:
  class Guard {
   public:
    Guard(Guard&& other) noexcept : held_(std::exchange(other.held_, {})) {}
    Guard& operator=(Guard&&) = delete;
    ~Guard();

   private:
    friend class KeyLocks;
    explicit Guard(std::vector<absl::Mutex*> held) : held_(std::move(held)) {}
    std::vector<absl::Mutex*> held_;
  };

  // Blocks until every key's stripe is held.
  Guard Lock(const std::vector<std::string>& keys);

 private:
  static constexpr size_t kStripes = 256;
  std::array<absl::Mutex, kStripes> stripes_;
};

}  // namespace trustsphere
