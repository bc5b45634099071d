#include "services/recommendations/relationships_client.h"

#include "services/common/downstream/downstream.h"

namespace trustsphere::recommendations {

RelationshipsClient::RelationshipsClient(std::shared_ptr<grpc::Channel> channel,
                                         ServiceToken* token)
    : stub_(rv1::RelationshipService::NewStub(std::move(channel))), token_(token) {}

absl::StatusOr<std::vector<rv1::Verdict>> RelationshipsClient::Verdicts(
    const std::vector<rv1::CheckTrustRequest>& checks, absl::Time deadline) {
  std::vector<rv1::Verdict> verdicts;
  for (size_t start = 0; start < checks.size(); start += kMaxChecksPerCall) {
    rv1::BatchCheckTrustRequest request;
    for (size_t i = start; i < checks.size() && i < start + kMaxChecksPerCall; ++i) {
      *request.add_checks() = checks[i];
    }
    auto context = DownstreamContext(token_, deadline);
    if (!context.ok()) return context.status();
    rv1::BatchCheckTrustResponse response;
    if (absl::Status status =
            FromDownstream(stub_->BatchCheckTrust(context->get(), request, &response),
                           "relationships BatchCheckTrust");
        !status.ok()) {
      return status;
    }
    for (int verdict : response.verdicts()) verdicts.push_back(static_cast<rv1::Verdict>(verdict));
  }
  return verdicts;
}

}  // namespace trustsphere::recommendations
