#include "services/common/core/errors.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace trustsphere {
namespace {

constexpr char kBadRequestType[] = "type.googleapis.com/google.rpc.BadRequest";
constexpr char kPreconditionFailureType[] = "type.googleapis.com/google.rpc.PreconditionFailure";
constexpr char kRetryInfoType[] = "type.googleapis.com/google.rpc.RetryInfo";

}  // namespace

void FieldErrors::Add(absl::string_view field, absl::string_view description) {
  violations_.emplace_back(std::string(field), std::string(description));
}

absl::Status FieldErrors::ToStatus() const {
  if (violations_.empty()) return absl::OkStatus();
  google::rpc::BadRequest details;
  std::vector<std::string> parts;
  for (const auto& [field, description] : violations_) {
    auto* violation = details.add_field_violations();
    violation->set_field(field);
    violation->set_description(description);
    parts.push_back(absl::StrCat(field, ": ", description));
  }
  absl::Status status = absl::InvalidArgumentError(absl::StrJoin(parts, "; "));
  status.SetPayload(kBadRequestType, absl::Cord(details.SerializeAsString()));
  return status;
}

absl::Status PreconditionFailed(
    absl::string_view message, absl::string_view type,
    const std::vector<std::pair<std::string, std::string>>& violations) {
  google::rpc::PreconditionFailure details;
  for (const auto& [subject, description] : violations) {
    auto* violation = details.add_violations();
    violation->set_type(std::string(type));
    violation->set_subject(subject);
    violation->set_description(description);
  }
  absl::Status status = absl::FailedPreconditionError(message);
  status.SetPayload(kPreconditionFailureType, absl::Cord(details.SerializeAsString()));
  return status;
}

absl::Status RateLimited(absl::string_view message, absl::Duration retry_delay) {
  google::rpc::RetryInfo details;
  // Rounded up: a client waiting the delay it was told finds a token.
  const int64_t nanos = absl::ToInt64Nanoseconds(absl::Ceil(retry_delay, absl::Milliseconds(1)));
  details.mutable_retry_delay()->set_seconds(nanos / 1000000000);
  details.mutable_retry_delay()->set_nanos(static_cast<int32_t>(nanos % 1000000000));
  absl::Status status = absl::ResourceExhaustedError(message);
  status.SetPayload(kRetryInfoType, absl::Cord(details.SerializeAsString()));
  return status;
}

bool IsRateLimited(const absl::Status& status) {
  return absl::IsResourceExhausted(status) && status.GetPayload(kRetryInfoType).has_value();
}

absl::Status InvalidField(absl::string_view field, absl::string_view description) {
  FieldErrors errors;
  errors.Add(field, description);
  return errors.ToStatus();
}

std::vector<std::pair<std::string, std::string>> FieldViolationsOf(const absl::Status& status) {
  std::vector<std::pair<std::string, std::string>> result;
  auto payload = status.GetPayload(kBadRequestType);
  google::rpc::BadRequest details;
  if (!payload || !details.ParseFromString(std::string(*payload))) return result;
  for (const auto& violation : details.field_violations()) {
    result.emplace_back(violation.field(), violation.description());
  }
  return result;
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  auto code = static_cast<grpc::StatusCode>(status.code());
  std::string message(status.message());
  // Rich error model: google.rpc.Status in the grpc-status-details-bin
  // trailer, each payload (BadRequest, PreconditionFailure) as an Any.
  google::rpc::Status rich;
  rich.set_code(static_cast<int>(code));
  rich.set_message(message);
  status.ForEachPayload([&](absl::string_view type_url, const absl::Cord& payload) {
    auto* detail = rich.add_details();
    detail->set_type_url(std::string(type_url));
    detail->set_value(std::string(payload));
  });
  if (rich.details().empty()) return grpc::Status(code, message);
  return grpc::Status(code, message, rich.SerializeAsString());
}

}  // namespace trustsphere
