#include "services/recommendations/relationships_client.h"

#include <algorithm>

#include "services/common/downstream/downstream.h"

namespace trustsphere::recommendations {
namespace {

class GrpcChangeStream final : public TrustChangeStream {
 public:
  GrpcChangeStream(rv1::RelationshipService::Stub& stub, const std::string& token,
                   const std::string& after_cursor) {
    context_.AddMetadata("authorization", "Bearer " + token);
    rv1::WatchTrustChangesRequest request;
    request.set_after_cursor(after_cursor);
    reader_ = stub.WatchTrustChanges(&context_, request);
  }
  bool Read(rv1::TrustChange* change) override { return reader_->Read(change); }
  void Cancel() override { context_.TryCancel(); }
  absl::Status Finish() override {
    return FromDownstream(reader_->Finish(), "relationships WatchTrustChanges");
  }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<rv1::TrustChange>> reader_;
};

}  // namespace

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

absl::StatusOr<std::vector<std::optional<rv1::TrustStatement>>> RelationshipsClient::Statements(
    const std::vector<std::pair<std::string, std::string>>& pairs, absl::Time deadline) {
  std::vector<std::optional<rv1::TrustStatement>> statements;
  for (size_t start = 0; start < pairs.size(); start += kMaxPairsPerCall) {
    const size_t end = std::min(pairs.size(), start + kMaxPairsPerCall);
    rv1::BatchGetTrustRequest request;
    for (size_t i = start; i < end; ++i) {
      rv1::GetTrustRequest& pair = *request.add_pairs();
      pair.set_truster_id(pairs[i].first);
      pair.set_trustee_id(pairs[i].second);
    }
    auto context = DownstreamContext(token_, deadline);
    if (!context.ok()) return context.status();
    rv1::BatchGetTrustResponse response;
    if (absl::Status status =
            FromDownstream(stub_->BatchGetTrust(context->get(), request, &response),
                           "relationships BatchGetTrust");
        !status.ok()) {
      return status;
    }
    // The answer leaves out pairs with no statement and keeps request
    // order, so each statement is matched to its pair by walking both.
    int next = 0;
    for (size_t i = start; i < end; ++i) {
      const bool found = next < response.statements_size() &&
                         response.statements(next).truster_id() == pairs[i].first &&
                         response.statements(next).trustee_id() == pairs[i].second;
      if (found) {
        statements.push_back(std::move(*response.mutable_statements(next++)));
      } else {
        statements.push_back(std::nullopt);
      }
    }
  }
  return statements;
}

absl::StatusOr<std::unique_ptr<TrustChangeStream>> RelationshipsClient::Follow(
    const std::string& after_cursor) {
  auto token = token_->Get();
  if (!token.ok()) return token.status();
  return std::make_unique<GrpcChangeStream>(*stub_, *token, after_cursor);
}

}  // namespace trustsphere::recommendations
