#pragma once

// Erases from relationships the people identity deleted, by following
// identity's change log: at least once (a deletion is erased again after a
// crash cut its erasure short, which changes nothing), resumable (where it
// stopped is kept in the store as the marker kMarker, so a server that was
// down when a person was deleted erases them when it comes back) and in
// log order. A deletion that cannot be erased (the store refusing writes)
// holds the follower back until it can.

#include <functional>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "services/relationships/relationship_logic.h"
#include "trustsphere/identity/v1/identity.pb.h"

namespace trustsphere::relationships {

class PersonEraser {
 public:
  // One page of identity's change log after `after_cursor` ("" for the
  // first change), within `deadline`.
  using ListChanges = std::function<absl::StatusOr<identity::v1::ListIdentityChangesResponse>(
      const std::string& after_cursor, int page_size, absl::Time deadline)>;
  struct Options {
    absl::Duration poll_period = absl::Milliseconds(250);
    // Called after statements were erased: their bytes are still on disk,
    // overwritten, until the storage reclaims them.
    std::function<void()> erased;
  };
  // The store marker holding the cursor of the last deletion erased.
  static constexpr char kMarker[] = "identity changes erased";

  PersonEraser(ListChanges list_changes, RelationshipLogic* logic, Options options);
  // Stops following, after the erasure under way.
  ~PersonEraser();
  PersonEraser(const PersonEraser&) = delete;
  PersonEraser& operator=(const PersonEraser&) = delete;

  // Follows the log on a thread of its own until destroyed.
  void Start();
  // Erases every deletion in the log now, up to its end. What the
  // follower's thread runs.
  absl::Status CatchUp();

 private:
  static constexpr int kPage = 1000;
  void Follow();

  const ListChanges list_changes_;
  RelationshipLogic* const logic_;
  const Options options_;
  // The follower's alone once it runs.
  bool cursor_loaded_ = false;
  std::string cursor_;
  absl::Notification stop_;
  std::thread follower_;
};

}  // namespace trustsphere::relationships
