#include "storage/postgres/pg_change_follower.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "storage/postgres/pg_connection.h"

namespace trustsphere::storage::postgres {
namespace {

// How long a wait for a notification lasts before the thread looks whether
// it is to stop: no query is sent.
constexpr absl::Duration kStopCheck = absl::Milliseconds(200);

}  // namespace

PgChangeFollower::PgChangeFollower(PgChangeFollowerOptions options, std::function<void()> catch_up)
    : options_(std::move(options)), catch_up_(std::move(catch_up)) {
  thread_ = std::thread([this] { Run(); });
}

PgChangeFollower::~PgChangeFollower() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

PgChangeFollower::Mode PgChangeFollower::mode() const {
  absl::MutexLock lock(&mu_);
  return mode_;
}

bool PgChangeFollower::stopping() const {
  absl::MutexLock lock(&mu_);
  return stopping_;
}

bool PgChangeFollower::Pause(absl::Duration pause) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&stopping_), pause);
  return !stopping_;
}

void PgChangeFollower::Run() {
  auto set_mode = [this](Mode mode) {
    absl::MutexLock lock(&mu_);
    mode_ = mode;
  };
  while (!stopping()) {
    set_mode(Mode::kConnecting);
    auto connection = PgConnection::Connect(options_.conninfo, options_.connect_timeout);
    if (!connection.ok()) {
      if (!Pause(options_.reconnect_after)) return;
      continue;
    }
    absl::Status listening =
        (*connection)->Exec(absl::StrCat("LISTEN ", options_.channel)).status();
    if (absl::IsUnimplemented(listening)) {
      // The engine has no NOTIFY: read the log on a clock.
      set_mode(Mode::kPolling);
      do {
        catch_up_();
      } while (Pause(options_.poll_period));
      return;
    }
    if (!listening.ok()) {
      if (!Pause(options_.reconnect_after)) return;
      continue;
    }
    set_mode(Mode::kListening);
    // What was committed before LISTEN took effect sent no notification here.
    catch_up_();
    while (!stopping()) {
      auto notified = (*connection)->AwaitNotification(kStopCheck);
      if (!notified.ok()) break;
      if (*notified) catch_up_();
    }
    if (!Pause(options_.reconnect_after)) return;
  }
}

}  // namespace trustsphere::storage::postgres
