#include "services/recommendations/relationships_client.h"

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

absl::StatusOr<std::unique_ptr<TrustChangeStream>> RelationshipsClient::Follow(
    const std::string& after_cursor) {
  auto token = token_->Get();
  if (!token.ok()) return token.status();
  return std::make_unique<GrpcChangeStream>(*stub_, *token, after_cursor);
}

}  // namespace trustsphere::recommendations
