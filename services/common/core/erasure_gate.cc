#include "services/common/core/erasure_gate.h"

#include "absl/strings/str_cat.h"

namespace trustsphere {

ErasureGate::Pass::~Pass() {
  if (gate_ != nullptr) gate_->passes_.ReaderUnlock();
}

absl::StatusOr<ErasureGate::Pass> ErasureGate::Enter(absl::Span<const absl::string_view> people) {
  passes_.ReaderLock();
  Pass pass(this);
  absl::MutexLock lock(&erased_mu_);
  for (absl::string_view person : people) {
    if (erased_.contains(person)) {
      return absl::NotFoundError(absl::StrCat("person ", person, " was deleted"));
    }
  }
  return pass;
}

bool ErasureGate::Closed(absl::string_view person) {
  absl::MutexLock lock(&erased_mu_);
  return erased_.contains(person);
}

void ErasureGate::Close(const std::string& person) {
  {
    absl::MutexLock lock(&erased_mu_);
    erased_.insert(person);
  }
  // Waits out the passes taken before the mark; new ones wait behind it.
  absl::MutexLock barrier(&passes_);
}

}  // namespace trustsphere
