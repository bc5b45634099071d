#pragma once

// Idempotent creates (AIP-155), written once for every service. A request
// carrying a request_id is answered once: a retry with the same content
// gets the first answer, one with other content INVALID_ARGUMENT on
// "request_id", and a retry that arrives while the first is still running
// waits for it rather than writing a second time. The record of the answer
// is stored by the service's own store, in the same atomic write as the
// effect it describes, so a crash leaves both or neither.

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/core/key_locks.h"

namespace trustsphere {

// Request ids are scoped by caller ("" for sign-up) and method, so one client
// cannot replay or block another's.
struct RequestKey {
  std::string scope;
  std::string method;
  std::string request_id;
};

struct RequestRecord {
  RequestKey key;
  // RequestFingerprint of the request as normalised by the service (so that
  // spelling a default explicitly is the same request).
  std::string fingerprint;
  // What the first request answered, as the service encodes it (an id, a
  // serialised resource).
  std::string response;
  absl::Time create_time;
};

// The part of a service's store the ledger reads.
class RequestLog {
 public:
  virtual ~RequestLog() = default;
  // nullopt when no request with this key was answered.
  virtual absl::StatusOr<std::optional<RequestRecord>> FindRequest(const RequestKey& key) const = 0;
};

class RequestLedger {
 public:
  // One request holding its key until it is answered (or abandoned).
  class Pending {
   public:
    Pending(Pending&&) = default;
    // The earlier answer to this key, when the request was already answered.
    const std::optional<std::string>& earlier_response() const { return earlier_; }
    // The record to store with the write that answers this request; nullopt
    // when the request carries no request id.
    std::optional<RequestRecord> Record(std::string response, absl::Time now) const;

   private:
    friend class RequestLedger;
    Pending(std::optional<KeyLocks::Guard> guard, RequestKey key, std::string fingerprint,
            std::optional<std::string> earlier)
        : guard_(std::move(guard)),
          key_(std::move(key)),
          fingerprint_(std::move(fingerprint)),
          earlier_(std::move(earlier)) {}
    std::optional<KeyLocks::Guard> guard_;
    RequestKey key_;
    std::string fingerprint_;
    std::optional<std::string> earlier_;
  };

  // Starts a request: with no request id, nothing to wait for or compare;
  // otherwise waits for any other request with this key in this process to
  // finish, then looks up the earlier answer. `raw_fingerprint`, when set,
  // also matches: records written by releases that fingerprinted requests
  // before normalising them.
  absl::StatusOr<Pending> Begin(const RequestLog& log, RequestKey key, std::string fingerprint,
                                const std::string& raw_fingerprint = "");

 private:
  // Its own stripes: a request's other locks (a pair, an email) are taken
  // after this one, and never the other way round.
  KeyLocks locks_;
};

}  // namespace trustsphere
