#pragma once

// Erases from a service the people identity deleted, by following
// identity's change log: at least once (a deletion is erased again after a
// crash cut its erasure short, which changes nothing), resumable (the
// service keeps the cursor of the last deletion erased in its own store, so
// a server that was down when a person was deleted erases them when it
// comes back) and in log order. A deletion that cannot be erased (the
// store refusing writes) holds the follower back until it can.

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "trustsphere/identity/v1/identity.pb.h"

namespace trustsphere {

class ErasureFollower {
 public:
  // One page of identity's change log after `after_cursor` ("" for the
  // first change), within `deadline`.
  using ListChanges = std::function<absl::StatusOr<identity::v1::ListIdentityChangesResponse>(
      const std::string& after_cursor, int page_size, absl::Time deadline)>;
  struct Service {
    // Erases what the service holds of the person; how many records went.
    // Idempotent.
    std::function<absl::StatusOr<int64_t>(const std::string& person_id)> erase;
    // The cursor kept, "" when none; and keeping a new one, durably.
    std::function<absl::StatusOr<std::string>()> load_cursor;
    std::function<absl::Status(const std::string& cursor)> save_cursor;
    // Called after records were erased: their bytes are still on disk,
    // overwritten, until the storage reclaims them.
    std::function<void()> erased;
  };
  // The name services keep the cursor under.
  static constexpr char kCursorMarker[] = "identity changes erased";

  // What the follower did, for /metrics; outlives followers (a server's
  // restart of its parts makes a new one).
  struct Progress {
    std::atomic<int64_t> people_erased{0};
    // When it last read identity's log to its end, every deletion in it
    // erased; the process's start until it first does.
    std::atomic<int64_t> caught_up_unix_micros{absl::ToUnixMicros(absl::Now())};
    // Seconds since then: what grows while the follower is stuck.
    double SecondsBehind() const {
      return absl::ToDoubleSeconds(absl::Now() - absl::FromUnixMicros(caught_up_unix_micros));
    }
  };

  ErasureFollower(ListChanges list_changes, Service service, absl::Duration poll_period,
                  Progress* progress);
  // Stops following, after the erasure under way.
  ~ErasureFollower();
  ErasureFollower(const ErasureFollower&) = delete;
  ErasureFollower& operator=(const ErasureFollower&) = delete;

  // Follows the log on a thread of its own until destroyed.
  void Start();
  // Erases every deletion in the log now, up to its end. What the
  // follower's thread runs.
  absl::Status CatchUp();

 private:
  static constexpr int kPage = 1000;
  void Follow();

  const ListChanges list_changes_;
  const Service service_;
  const absl::Duration poll_period_;
  Progress* const progress_;
  // The follower's alone once it runs.
  bool cursor_loaded_ = false;
  std::string cursor_;
  absl::Notification stop_;
  std::thread follower_;
};

}  // namespace trustsphere
