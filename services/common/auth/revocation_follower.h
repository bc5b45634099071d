#pragma once

// Follows identity's change log and revokes, in a TokenVerifier, the tokens
// of every person deleted in it and of every session ended in it, so that
// such a still-valid access token stops working on this server within
// about one poll period of the change (the call that reads it included).
// It reads the log from its first change, since every deletion must be
// known before the server serves, then polls from where it stopped.

#include <functional>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "services/common/auth/token_verifier.h"
#include "trustsphere/identity/v1/identity.pb.h"

namespace trustsphere {

class RevocationFollower {
 public:
  // One page of identity's change log after `after_cursor` ("" for the
  // first change), within `deadline`: over gRPC from the other services,
  // from its own logic in identity.
  using ListChanges = std::function<absl::StatusOr<identity::v1::ListIdentityChangesResponse>(
      const std::string& after_cursor, int page_size, absl::Time deadline)>;

  RevocationFollower(ListChanges list_changes, TokenVerifier* verifier, absl::Duration period);
  // Stops polling.
  ~RevocationFollower();
  RevocationFollower(const RevocationFollower&) = delete;
  RevocationFollower& operator=(const RevocationFollower&) = delete;

  // Reads the log to its end, retrying until `timeout` (UNAVAILABLE, with
  // the last error, if it never could), then polls in the background.
  absl::Status Start(absl::Duration timeout);

 private:
  static constexpr int kPage = 1000;

  // Reads from the cursor to the end of the log.
  absl::Status CatchUp();
  void Poll();

  const ListChanges list_changes_;
  TokenVerifier* const verifier_;
  const absl::Duration period_;
  // The poller's alone once it runs.
  std::string cursor_;
  int64_t changes_read_ = 0;
  int64_t deleted_read_ = 0;
  int64_t sessions_read_ = 0;
  absl::Notification stop_;
  std::thread poller_;
};

}  // namespace trustsphere
