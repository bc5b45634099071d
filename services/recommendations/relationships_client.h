#pragma once

// TrustOracle and TrustChanges over gRPC: recommendations asks
// relationships as a `service` caller (services see every statement, so the
// verdicts are the truth, not a caller's view).

#include <memory>
#include <string>
#include <vector>

#include "grpcpp/channel.h"
#include "services/common/auth/service_token.h"
#include "services/recommendations/trust_sources.h"
#include "trustsphere/relationships/v1/relationships.grpc.pb.h"

namespace trustsphere::recommendations {

class RelationshipsClient final : public TrustOracle, public TrustChanges {
 public:
  static constexpr int kMaxChecksPerCall = 100;
  static constexpr int kMaxPairsPerCall = 100;

  RelationshipsClient(std::shared_ptr<grpc::Channel> channel, ServiceToken* token);

  // Read in batches of kMaxChecksPerCall.
  absl::StatusOr<std::vector<rv1::Verdict>> Verdicts(
      const std::vector<rv1::CheckTrustRequest>& checks, absl::Time deadline) override;
  // Read in batches of kMaxPairsPerCall.
  absl::StatusOr<std::vector<std::optional<rv1::TrustStatement>>> Statements(
      const std::vector<std::pair<std::string, std::string>>& pairs, absl::Time deadline) override;
  // WatchTrustChanges, with no deadline: it lives until cancelled.
  absl::StatusOr<std::unique_ptr<TrustChangeStream>> Follow(
      const std::string& after_cursor) override;

 private:
  std::unique_ptr<rv1::RelationshipService::Stub> stub_;
  ServiceToken* token_;
};

}  // namespace trustsphere::recommendations
