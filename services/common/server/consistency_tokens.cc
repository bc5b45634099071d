#include "services/common/server/consistency_tokens.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace trustsphere {
namespace {

// Versioned, so that the encoding may change without old tokens being
// taken for new ones.
constexpr absl::string_view kPrefix = "v1.";

}  // namespace

std::string ConsistencyTokens::Encode(uint64_t position) { return absl::StrCat(kPrefix, position); }

std::optional<uint64_t> ConsistencyTokens::Decode(absl::string_view token) {
  if (token.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  uint64_t position = 0;
  if (!absl::SimpleAtoi(token.substr(kPrefix.size()), &position)) return std::nullopt;
  return position;
}

absl::string_view ConsistencyTokens::TokenOf(const grpc::CallbackServerContext& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(kConsistencyTokenHeader);
  if (it == metadata.end()) return {};
  return absl::string_view(it->second.data(), it->second.size());
}

absl::StatusOr<std::optional<uint64_t>> ConsistencyTokens::Wanted(absl::string_view token) {
  if (token.empty()) return std::nullopt;
  std::optional<uint64_t> position = Decode(token);
  if (!position) {
    return absl::InvalidArgumentError(
        absl::StrCat(kConsistencyTokenHeader, ": not a consistency token of this service"));
  }
  return position;
}

bool ConsistencyTokens::Fresh(const grpc::CallbackServerContext& context) const {
  auto wanted = Wanted(TokenOf(context));
  if (!wanted.ok() || !*wanted || **wanted <= positions_.applied()) return true;
  // Past what was handed out: nothing to wait for, unless another replica
  // handed it out.
  return !positions_.learn && **wanted > positions_.issued();
}

absl::Status ConsistencyTokens::Await(const grpc::CallbackServerContext& context,
                                      absl::Time deadline) const {
  return AwaitToken(TokenOf(context), deadline, [&context] { return context.IsCancelled(); });
}

absl::Status ConsistencyTokens::AwaitToken(absl::string_view token, absl::Time deadline,
                                           const std::function<bool()>& cancelled) const {
  auto wanted = Wanted(token);
  if (!wanted.ok()) return wanted.status();
  if (!*wanted) return absl::OkStatus();
  if (**wanted > positions_.issued() && positions_.learn) {
    if (absl::Status learnt = positions_.learn(); !learnt.ok()) {
      return absl::UnavailableError(
          absl::StrCat("cannot learn what the consistency token names: ", learnt.message()));
    }
  }
  const uint64_t position = std::min(**wanted, positions_.issued());
  const absl::Time give_up = std::min(deadline, absl::Now() + max_wait_);
  // Short sleeps first: a change in flight lands within a disk sync.
  absl::Duration pause = absl::Microseconds(100);
  while (positions_.applied() < position) {
    if (cancelled()) return absl::CancelledError("the client went away");
    const absl::Time now = absl::Now();
    if (now >= give_up) {
      if (now >= deadline) return absl::DeadlineExceededError("waiting for the consistency token");
      return absl::UnavailableError(absl::StrCat(
          "this replica has not yet applied the changes up to the consistency token (at ",
          positions_.applied(), " of ", position, "); retry, or retry elsewhere"));
    }
    absl::SleepFor(std::min(pause, give_up - now));
    pause = std::min(pause * 2, absl::Milliseconds(5));
  }
  return absl::OkStatus();
}

void ConsistencyTokens::Stamp(grpc::CallbackServerContext& context) const {
  context.AddInitialMetadata(kConsistencyTokenHeader, Encode(positions_.issued()));
}

}  // namespace trustsphere
