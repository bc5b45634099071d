#pragma once

// What recommendations asks relationships, as a `service` caller (services
// see every statement, so the verdicts are the truth, not a caller's view).

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "services/common/auth/service_token.h"
#include "trustsphere/relationships/v1/relationships.grpc.pb.h"

namespace trustsphere::recommendations {

namespace rv1 = ::trustsphere::relationships::v1;

class RelationshipsClient {
 public:
  static constexpr int kMaxChecksPerCall = 100;

  RelationshipsClient(std::shared_ptr<grpc::Channel> channel, ServiceToken* token);

  // One verdict per check, in order, read in batches of kMaxChecksPerCall.
  absl::StatusOr<std::vector<rv1::Verdict>> Verdicts(
      const std::vector<rv1::CheckTrustRequest>& checks, absl::Time deadline);

  rv1::RelationshipService::Stub& stub() { return *stub_; }
  ServiceToken* token() { return token_; }

 private:
  std::unique_ptr<rv1::RelationshipService::Stub> stub_;
  ServiceToken* token_;
};

}  // namespace trustsphere::recommendations
