#pragma once

// Consistency tokens, "at least as fresh as this": every successful answer
// of a service that keeps a change log carries, in its initial metadata
// under kConsistencyTokenHeader, a token naming a position of that log at
// or after everything the answer reflects (for a write, its own changes).
// A call that sends one back is answered only once this replica has applied
// every change up to that position: it waits, within its deadline and at
// most `max_wait`, then fails with DEADLINE_EXCEEDED (its deadline passed)
// or UNAVAILABLE (this replica lags behind the token: try another one).
// A token that does not parse is INVALID_ARGUMENT.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/server_context.h"

namespace trustsphere {

inline constexpr char kConsistencyTokenHeader[] = "trustsphere-consistency-token";

class ConsistencyTokens {
 public:
  struct Positions {
    // Every change up to this position is applied here.
    std::function<uint64_t()> applied;
    // The highest position handed out so far (applied or in flight).
    std::function<uint64_t()> issued;
  };
  ConsistencyTokens(Positions positions, absl::Duration max_wait)
      : positions_(std::move(positions)), max_wait_(max_wait) {}

  // Whether the call may run at once: it sends no token, or one this
  // replica has applied (a malformed one too: refusing it is quick).
  bool Fresh(const grpc::CallbackServerContext& context) const;
  // Waits until this replica is as fresh as the call's token.
  absl::Status Await(const grpc::CallbackServerContext& context, absl::Time deadline) const;
  // Puts the token of the answer in the call's initial metadata.
  void Stamp(grpc::CallbackServerContext& context) const;

  static std::string Encode(uint64_t position);
  static std::optional<uint64_t> Decode(absl::string_view token);

 private:
  // The position the call asks for: nullopt when it sends no token;
  // INVALID_ARGUMENT when its token does not parse.
  static std::optional<absl::StatusOr<uint64_t>> Requested(
      const grpc::CallbackServerContext& context);

  Positions positions_;
  absl::Duration max_wait_;
};

}  // namespace trustsphere
