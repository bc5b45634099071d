#pragma once

// Errors inside the services are absl::Status with the most specific code.
// Invalid arguments carry google.rpc.BadRequest field violations as a status
// payload; ToGrpcStatus() turns them into gRPC rich error details at the edge.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/support/status.h"

namespace trustsphere {

// Collects field violations of one request, so a client learns about every
// bad field at once.
class FieldErrors {
 public:
  void Add(absl::string_view field, absl::string_view description);
  bool empty() const { return violations_.empty(); }
  // OK when no violation was added; otherwise INVALID_ARGUMENT naming the
  // fields, with google.rpc.BadRequest details.
  absl::Status ToStatus() const;

 private:
  std::vector<std::pair<std::string, std::string>> violations_;
};

// FAILED_PRECONDITION with google.rpc.PreconditionFailure details: one
// violation per (subject, description), all of type `type`.
absl::Status PreconditionFailed(absl::string_view message, absl::string_view type,
                                const std::vector<std::pair<std::string, std::string>>& violations);

// RESOURCE_EXHAUSTED with google.rpc.RetryInfo details: a client may try
// again after `retry_delay`.
absl::Status RateLimited(absl::string_view message, absl::Duration retry_delay);
// Whether `status` is one RateLimited made.
bool IsRateLimited(const absl::Status& status);

// INVALID_ARGUMENT for one field.
absl::Status InvalidField(absl::string_view field, absl::string_view description);

// The field violations an absl::Status carries, as (field, description).
std::vector<std::pair<std::string, std::string>> FieldViolationsOf(const absl::Status& status);

// The single conversion from absl::Status to grpc::Status.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace trustsphere
