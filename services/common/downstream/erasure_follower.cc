#include "services/common/downstream/erasure_follower.h"

#include "absl/time/clock.h"
#include "services/common/core/log.h"

namespace trustsphere {

ErasureFollower::ErasureFollower(ListChanges list_changes, Service service,
                                 absl::Duration poll_period, Progress* progress)
    : list_changes_(std::move(list_changes)),
      service_(std::move(service)),
      poll_period_(poll_period),
      progress_(progress) {}

ErasureFollower::~ErasureFollower() {
  stop_.Notify();
  if (follower_.joinable()) follower_.join();
}

void ErasureFollower::Start() {
  follower_ = std::thread([this] { Follow(); });
}

absl::Status ErasureFollower::CatchUp() {
  if (!cursor_loaded_) {
    auto stored = service_.load_cursor();
    if (!stored.ok()) return stored.status();
    cursor_ = *stored;
    cursor_loaded_ = true;
  }
  const absl::Time started = absl::Now();
  while (!stop_.HasBeenNotified()) {
    auto page = list_changes_(cursor_, kPage, absl::Now() + absl::Seconds(5));
    if (!page.ok()) return page.status();
    int64_t erased_people = 0;
    int64_t erased_records = 0;
    for (const auto& change : page->changes()) {
      if (change.kind() != identity::v1::IDENTITY_CHANGE_KIND_PERSON_DELETED) continue;
      const absl::Time erasing = absl::Now();
      auto erased = service_.erase(change.person_id());
      if (!erased.ok()) {
        // What the earlier ones removed is still to be reclaimed.
        if (erased_records > 0 && service_.erased) service_.erased();
        return erased.status();
      }
      ++erased_people;
      progress_->people_erased.fetch_add(1, std::memory_order_relaxed);
      erased_records += *erased;
      Log(LogLevel::kInfo, "deleted person erased",
          {F("person_id", change.person_id()), F("records", *erased),
           F("seconds", absl::ToDoubleSeconds(absl::Now() - erasing))});
    }
    // Kept only past a deletion: a log of other changes is read again
    // cheaply after a restart, and the cursor is not written every poll.
    if (erased_people > 0) {
      if (absl::Status kept = service_.save_cursor(page->next_cursor()); !kept.ok()) return kept;
    }
    if (erased_records > 0 && service_.erased) service_.erased();
    cursor_ = page->next_cursor();
    if (page->changes_size() < kPage) {
      progress_->caught_up_unix_micros.store(absl::ToUnixMicros(started),
                                             std::memory_order_relaxed);
      break;
    }
  }
  return absl::OkStatus();
}

void ErasureFollower::Follow() {
  std::string last_error;
  do {
    const absl::Status done = CatchUp();
    // Once per cause, not once per poll while it lasts.
    if (!done.ok() && done.ToString() != last_error) {
      Log(LogLevel::kWarning, "deleted people not erased yet; retrying",
          {F("error", done.ToString())});
    }
    last_error = done.ok() ? "" : done.ToString();
  } while (!stop_.WaitForNotificationWithTimeout(poll_period_));
}

}  // namespace trustsphere
