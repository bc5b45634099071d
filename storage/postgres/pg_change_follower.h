#pragma once

// Follows a change log that other connections (other replicas) append to:
// a thread that calls `catch_up` whenever the log may have grown. Writers
// NOTIFY `channel` inside their transaction; the database delivers it at
// commit to this thread's own connection, which LISTENs, so an idle
// replica sends no query at all. `catch_up` also runs after every
// (re)connection, since what was sent while disconnected is lost. Where
// the engine has no NOTIFY (YugabyteDB, CockroachDB), `catch_up` runs
// every `poll_period` instead.
//
// `catch_up` reads the log itself (the follower only says when); it runs on
// the follower's thread, one call at a time.

#include <functional>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace trustsphere::storage::postgres {

struct PgChangeFollowerOptions {
  std::string conninfo;
  // A NOTIFY channel: a plain lower-case identifier.
  std::string channel;
  // Without NOTIFY, how often the log is read.
  absl::Duration poll_period = absl::Milliseconds(100);
  // After a lost connection, how long before the next attempt.
  absl::Duration reconnect_after = absl::Seconds(1);
  absl::Duration connect_timeout = absl::Seconds(5);
};

class PgChangeFollower {
 public:
  PgChangeFollower(PgChangeFollowerOptions options, std::function<void()> catch_up);
  // Stops the thread, within a fraction of a second.
  ~PgChangeFollower();
  PgChangeFollower(const PgChangeFollower&) = delete;
  PgChangeFollower& operator=(const PgChangeFollower&) = delete;

  enum class Mode { kConnecting, kListening, kPolling };
  Mode mode() const;

 private:
  void Run();
  // Sleeps `pause` unless stopped meanwhile; false once stopped.
  bool Pause(absl::Duration pause);
  bool stopping() const;

  const PgChangeFollowerOptions options_;
  const std::function<void()> catch_up_;
  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  Mode mode_ ABSL_GUARDED_BY(mu_) = Mode::kConnecting;
  std::thread thread_;
};

}  // namespace trustsphere::storage::postgres
