#pragma once

// Calls one service makes to another: deadlines and error mapping shared by
// every client.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/security/credentials.h"
#include "services/common/auth/service_token.h"

namespace trustsphere {

// No downstream call waits longer than this, whatever the caller allows.
inline constexpr absl::Duration kDownstreamTimeout = absl::Seconds(5);

// A channel to another service. gRPC's default reconnection backoff grows
// to two minutes while a peer is down, so a service that restarts after a
// long outage could stay unreachable long after it is back; here a lost peer
// is retried at least every two seconds. `credentials`: plaintext or TLS
// (DownstreamCredentialsFromFlags).
std::shared_ptr<grpc::Channel> DownstreamChannel(
    const std::string& address, std::shared_ptr<grpc::ChannelCredentials> credentials);

// A context carrying the service's token (unless `token` is null) and the
// caller's deadline capped at kDownstreamTimeout, so the caller's deadline
// propagates.
absl::StatusOr<std::unique_ptr<grpc::ClientContext>> DownstreamContext(ServiceToken* token,
                                                                       absl::Time deadline);

// Maps a downstream error to what the upstream caller should see: the
// service down or slow -> UNAVAILABLE (nothing was decided), an unknown id
// -> NOT_FOUND, our credentials refused -> INTERNAL (a deployment fault).
// `what` names the call.
absl::Status FromDownstream(const grpc::Status& status, absl::string_view what);

}  // namespace trustsphere
