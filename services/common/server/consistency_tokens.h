#pragma once

// Consistency tokens, "at least as fresh as this": every successful answer
// of a service that keeps a change log carries, in its initial metadata
// under kConsistencyTokenHeader, a token naming a position of that log at
// or after everything the answer reflects (for a write, its own changes).
// A call that sends one back is answered only once this replica has applied
// every change up to that position, or up to the last one the database has
// handed out when the token names a later one (a token of an earlier life
// of the database, whose last numbers went to writes that failed, or of
// another database: nothing more can be waited for). Where replicas share
// the database, a token from another replica may name a position this one
// has not heard of yet: it first learns what the database holds. It waits within its
// deadline and at most `max_wait`, then fails with DEADLINE_EXCEEDED (its
// deadline passed) or UNAVAILABLE (this replica lags: try another one);
// CANCELLED when the client goes away. A malformed token is
// INVALID_ARGUMENT.

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
    // Where other replicas write the same log: applies what they have
    // committed so far, so that `issued` covers every acknowledged write.
    // Empty where this replica is the only writer.
    std::function<absl::Status()> learn;
  };
  ConsistencyTokens(Positions positions, absl::Duration max_wait)
      : positions_(std::move(positions)), max_wait_(max_wait) {}

  // Whether the call may run at once: it sends no token, or one this
  // replica has applied (a malformed one too: refusing it is quick).
  bool Fresh(const grpc::CallbackServerContext& context) const;
  // Waits until this replica is as fresh as the call's token.
  absl::Status Await(const grpc::CallbackServerContext& context, absl::Time deadline) const;
  // The same for `token` (empty: none); `cancelled` says the caller left.
  absl::Status AwaitToken(absl::string_view token, absl::Time deadline,
                          const std::function<bool()>& cancelled) const;
  // Puts the token of the answer in the call's initial metadata.
  void Stamp(grpc::CallbackServerContext& context) const;

  static std::string Encode(uint64_t position);
  static std::optional<uint64_t> Decode(absl::string_view token);

 private:
  // The call's token, empty when it sends none.
  static absl::string_view TokenOf(const grpc::CallbackServerContext& context);
  // The token's position: nullopt for no token, INVALID_ARGUMENT for a
  // malformed one.
  static absl::StatusOr<std::optional<uint64_t>> Wanted(absl::string_view token);

  Positions positions_;
  absl::Duration max_wait_;
};

}  // namespace trustsphere
