#include "services/common/downstream/downstream.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace trustsphere {

std::shared_ptr<grpc::Channel> DownstreamChannel(
    const std::string& address, std::shared_ptr<grpc::ChannelCredentials> credentials) {
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  return grpc::CreateCustomChannel(address, std::move(credentials), arguments);
}

absl::StatusOr<std::unique_ptr<grpc::ClientContext>> DownstreamContext(ServiceToken* token,
                                                                       absl::Time deadline) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(std::min(deadline, absl::Now() + kDownstreamTimeout)));
  if (token != nullptr) {
    auto value = token->Get();
    if (!value.ok()) return value.status();
    context->AddMetadata("authorization", "Bearer " + *value);
  }
  return context;
}

absl::Status FromDownstream(const grpc::Status& status, absl::string_view what) {
  if (status.ok()) return absl::OkStatus();
  const std::string message = absl::StrCat(what, ": ", status.error_message());
  switch (status.error_code()) {
    case grpc::StatusCode::NOT_FOUND:
      return absl::NotFoundError(message);
    case grpc::StatusCode::INVALID_ARGUMENT:
      return absl::InvalidArgumentError(message);
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return absl::DeadlineExceededError(message);
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
      return absl::InternalError(absl::StrCat(message, " (service credentials refused)"));
    default:
      return absl::UnavailableError(message);
  }
}

}  // namespace trustsphere
