#pragma once

// What recommendations learns from relationships, as interfaces: verdicts
// on a statement's sphere and the statements themselves (TrustOracle), and
// the stream of statement changes (TrustChanges). Implemented over gRPC by RelationshipsClient, as
// a `service` caller that sees every statement, and in memory by the fakes of the logic tests.

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "trustsphere/relationships/v1/relationships.pb.h"

namespace trustsphere::recommendations {

namespace rv1 = ::trustsphere::relationships::v1;

class TrustOracle {
 public:
  virtual ~TrustOracle() = default;
  // One verdict per check, in order; UNAVAILABLE when relationships cannot
  // answer.
  virtual absl::StatusOr<std::vector<rv1::Verdict>> Verdicts(
      const std::vector<rv1::CheckTrustRequest>& checks, absl::Time deadline) = 0;
  // The statements of (truster, trustee) pairs, in order, nullopt where
  // none; UNAVAILABLE when relationships cannot answer.
  virtual absl::StatusOr<std::vector<std::optional<rv1::TrustStatement>>> Statements(
      const std::vector<std::pair<std::string, std::string>>& pairs, absl::Time deadline) = 0;
};

// One subscription to the change stream.
class TrustChangeStream {
 public:
  virtual ~TrustChangeStream() = default;
  // Blocks for the next change; false once the stream has ended.
  virtual bool Read(rv1::TrustChange* change) = 0;
  // Ends the stream, from any thread: a blocked Read returns false.
  virtual void Cancel() = 0;
  // Why the stream ended (after Read returned false).
  virtual absl::Status Finish() = 0;
};

class TrustChanges {
 public:
  virtual ~TrustChanges() = default;
  // The changes after `after_cursor` ("" from the first), in commit order.
  virtual absl::StatusOr<std::unique_ptr<TrustChangeStream>> Follow(
      const std::string& after_cursor) = 0;
};

}  // namespace trustsphere::recommendations
