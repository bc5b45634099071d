#include "services/relationships/person_eraser.h"

#include "absl/time/clock.h"
#include "services/common/core/log.h"

namespace trustsphere::relationships {

PersonEraser::PersonEraser(ListChanges list_changes, RelationshipLogic* logic, Options options)
    : list_changes_(std::move(list_changes)), logic_(logic), options_(options) {}

PersonEraser::~PersonEraser() {
  stop_.Notify();
  if (follower_.joinable()) follower_.join();
}

void PersonEraser::Start() {
  follower_ = std::thread([this] { Follow(); });
}

absl::Status PersonEraser::CatchUp() {
  TrustStore& store = logic_->store();
  if (!cursor_loaded_) {
    auto stored = store.Marker(kMarker);
    if (!stored.ok()) return stored.status();
    cursor_ = *stored;
    cursor_loaded_ = true;
  }
  while (!stop_.HasBeenNotified()) {
    auto page = list_changes_(cursor_, kPage, absl::Now() + absl::Seconds(5));
    if (!page.ok()) return page.status();
    int64_t erased_people = 0;
    int64_t erased_statements = 0;
    for (const auto& change : page->changes()) {
      if (change.kind() != identity::v1::IDENTITY_CHANGE_KIND_PERSON_DELETED) continue;
      const absl::Time started = absl::Now();
      auto erased = logic_->ErasePerson(change.person_id());
      if (!erased.ok()) return erased.status();
      ++erased_people;
      erased_statements += *erased;
      Log(LogLevel::kInfo, "deleted person erased",
          {F("person_id", change.person_id()), F("statements", *erased),
           F("seconds", absl::ToDoubleSeconds(absl::Now() - started))});
    }
    // Kept only past a deletion: a log of other changes is read again
    // cheaply after a restart, and the marker is not written every poll.
    if (erased_people > 0) {
      if (absl::Status kept = store.SetMarker(kMarker, page->next_cursor()); !kept.ok()) {
        return kept;
      }
    }
    if (erased_statements > 0 && options_.erased) options_.erased();
    cursor_ = page->next_cursor();
    if (page->changes_size() < kPage) break;
  }
  return absl::OkStatus();
}

void PersonEraser::Follow() {
  std::string last_error;
  do {
    const absl::Status done = CatchUp();
    // Once per cause, not once per poll while it lasts.
    if (!done.ok() && done.ToString() != last_error) {
      Log(LogLevel::kWarning, "deleted people not erased yet; retrying",
          {F("error", done.ToString())});
    }
    last_error = done.ok() ? "" : done.ToString();
  } while (!stop_.WaitForNotificationWithTimeout(options_.poll_period));
}

}  // namespace trustsphere::relationships
