#include "services/common/server/writability_watch.h"

namespace trustsphere {

WritabilityWatch::Change WritabilityWatch::Record(const absl::Status& answer, absl::Time now) {
  const bool was_ready = ready_, was_live = live_;
  if (answer.ok()) {
    ready_ = live_ = true;
  } else {
    if (ready_) unwritable_since_ = now;
    ready_ = false;
    const bool too_long =
        restart_after_ > absl::ZeroDuration() && now - unwritable_since_ >= restart_after_;
    live_ = !(restart_heals_ && too_long);
  }
  return {.ready = ready_ != was_ready, .live = live_ != was_live};
}

}  // namespace trustsphere
