#pragma once

// Keeps new records about erased people out, so that an erasure leaves
// nothing behind. A write that creates records about people holds a Pass
// from the moment it checks the people it writes about until its records
// are stored. Close(person) marks the person, then waits for every pass taken
// before the mark: once it returns, every write that did not see the mark
// is stored (so an erasure listing the person's statements next finds it),
// and every later one is refused.
//
// Identity's deletion is what makes a person erased; the gate only closes
// the moment between a write's checks (with identity, with another
// service) and its commit.

#include <string>
#include "absl/strings/string_view.h"

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"

namespace trustsphere {

class ErasureGate {
 public:
  class Pass {
   public:
    Pass(Pass&& other) noexcept : gate_(std::exchange(other.gate_, nullptr)) {}
    Pass& operator=(Pass&&) = delete;
    ~Pass();

   private:
    friend class ErasureGate;
    explicit Pass(ErasureGate* gate) : gate_(gate) {}
    ErasureGate* gate_;
  };

  // A pass for a write about `people`; NOT_FOUND when one of them is being
  // erased. Never take a second pass while holding one.
  absl::StatusOr<Pass> Enter(absl::Span<const absl::string_view> people);

  // Marks the person erased and returns once no write that could have
  // missed the mark is still running.
  void Close(const std::string& person);
  // Whether Close was called for the person (which of a refused pass's
  // people it was, for an answer that names the field).
  bool Closed(absl::string_view person);

 private:
  // Held shared by each pass, briefly exclusive by Close.
  absl::Mutex passes_;
  absl::Mutex erased_mu_;
  // The people erased since this process started (those erased before are
  // refused by identity's answers).
  absl::flat_hash_set<std::string> erased_ ABSL_GUARDED_BY(erased_mu_);
};

}  // namespace trustsphere
