#include "services/common/server/deleted_bytes_reclaimer.h"

#include "absl/time/clock.h"
#include "services/common/core/log.h"

namespace trustsphere {

DeletedBytesReclaimer::DeletedBytesReclaimer(storage::StorageAdmin* admin, absl::Duration period)
    : admin_(admin), period_(period), worker_([this] { Run(); }) {}

DeletedBytesReclaimer::~DeletedBytesReclaimer() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  worker_.join();
}

void DeletedBytesReclaimer::Due() {
  absl::MutexLock lock(&mu_);
  due_ = true;
}

void DeletedBytesReclaimer::Run() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](DeletedBytesReclaimer* self)
               ABSL_NO_THREAD_SAFETY_ANALYSIS { return self->due_ || self->stopping_; },
          this));
      // The rest of the period, unless stopping.
      mu_.AwaitWithDeadline(absl::Condition(&stopping_), last_ + period_);
      if (stopping_) return;
      due_ = false;
    }
    const absl::Time started = absl::Now();
    const absl::Status reclaimed = admin_->ReclaimDeleted();
    const absl::Time ended = absl::Now();
    if (reclaimed.ok()) {
      Log(LogLevel::kInfo, "erased records reclaimed on disk",
          {F("seconds", absl::ToDoubleSeconds(ended - started))});
    } else {
      Log(LogLevel::kWarning, "erased records not reclaimed on disk; trying again later",
          {F("error", reclaimed.ToString())});
    }
    absl::MutexLock lock(&mu_);
    last_ = ended;
    if (!reclaimed.ok()) due_ = true;
  }
}

}  // namespace trustsphere
