#include "services/common/auth/revocation_follower.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/core/log.h"
#include "services/common/core/proto_time.h"

namespace trustsphere {

RevocationFollower::RevocationFollower(ListChanges list_changes, TokenVerifier* verifier,
                                       absl::Duration period)
    : list_changes_(std::move(list_changes)), verifier_(verifier), period_(period) {}

RevocationFollower::~RevocationFollower() {
  stop_.Notify();
  if (poller_.joinable()) poller_.join();
}

absl::Status RevocationFollower::Start(absl::Duration timeout) {
  if (period_ <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--revocation_poll_period must be positive");
  }
  const absl::Time started = absl::Now();
  const absl::Time give_up = started + timeout;
  absl::Status read = CatchUp();
  // Identity down or starting is waited for; a refused token or
  // certificate is not going to heal.
  while (!read.ok() && absl::Now() < give_up &&
         (absl::IsUnavailable(read) || absl::IsDeadlineExceeded(read))) {
    absl::SleepFor(absl::Milliseconds(200));
    read = CatchUp();
  }
  if (!read.ok()) {
    return absl::UnavailableError(
        absl::StrCat("cannot read identity's deletions: ", read.message()));
  }
  // What the start paid for reading the whole log.
  Log(LogLevel::kInfo, "identity's deletions read",
      {F("changes", changes_read_), F("deleted", deleted_read_), F("sessions", sessions_read_),
       F("seconds", absl::ToDoubleSeconds(absl::Now() - started))});
  poller_ = std::thread([this] { Poll(); });
  return absl::OkStatus();
}

absl::Status RevocationFollower::CatchUp() {
  while (true) {
    auto page = list_changes_(cursor_, kPage, absl::Now() + absl::Seconds(5));
    if (!page.ok()) return page.status();
    changes_read_ += page->changes_size();
    for (const auto& change : page->changes()) {
      if (change.kind() == identity::v1::IDENTITY_CHANGE_KIND_SESSION_REVOKED) {
        // Both bounds are identity's clock: a token of the session expires
        // no later than `revoked_until`, so forgetting it then is safe
        // whatever this server's clock says.
        ++sessions_read_;
        verifier_->RevokeSession(change.session_id(), FromProto(change.revoked_until()));
        continue;
      }
      if (change.kind() != identity::v1::IDENTITY_CHANGE_KIND_PERSON_DELETED) continue;
      ++deleted_read_;
      // Every token of theirs, whatever the clocks of identity and of this
      // server say: none can be issued to a deleted person, whose id is
      // never reused.
      verifier_->Revoke(change.person_id(), absl::InfiniteFuture());
    }
    cursor_ = page->next_cursor();
    if (page->changes_size() < kPage || stop_.HasBeenNotified()) return absl::OkStatus();
  }
}

void RevocationFollower::Poll() {
  bool failing = false;
  while (!stop_.WaitForNotificationWithTimeout(period_)) {
    const absl::Status read = CatchUp();
    if (!read.ok() && !failing) {
      Log(LogLevel::kWarning,
          "cannot read identity's deletions; tokens of people deleted and sessions ended from "
          "now on are refused once it can",
          {F("error", read.ToString())});
    } else if (read.ok() && failing) {
      Log(LogLevel::kInfo, "reading identity's deletions again");
    }
    failing = !read.ok();
  }
}

}  // namespace trustsphere
