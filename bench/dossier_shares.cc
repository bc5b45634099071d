#include "bench/dossier_shares.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "trustsphere/recommendations/v1/recommendations.grpc.pb.h"

namespace trustsphere::bench {
namespace {

namespace cv1 = ::trustsphere::recommendations::v1;

absl::Status Failed(const std::string& what, const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(what, ": ", status.error_message()));
}

std::unique_ptr<grpc::ClientContext> Context(const std::string& token) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata("authorization", "Bearer " + token);
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return context;
}

// Statements about each person by someone they trust back, with something
// inside: who may write that person a recommendation.
absl::flat_hash_map<uint32_t, std::vector<const SyntheticStatement*>> VouchersBySubject(
    const SyntheticNetwork& network) {
  absl::flat_hash_map<std::pair<uint32_t, uint32_t>, const SyntheticStatement*> by_pair;
  for (const auto& s : network.statements()) by_pair[{s.truster, s.trustee}] = &s;
  absl::flat_hash_map<uint32_t, std::vector<const SyntheticStatement*>> vouching;
  for (const auto& [pair, statement] : by_pair) {
    if (statement->inside_tags > 0 && by_pair.contains({pair.second, pair.first})) {
      vouching[pair.second].push_back(statement);
    }
  }
  return vouching;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> SeedDossierShares(const SyntheticNetwork& network,
                                                           const Endpoints& endpoints,
                                                           PersonTokens& tokens, int subjects,
                                                           int per_share) {
  auto recommendations = cv1::RecommendationService::NewStub(
      grpc::CreateChannel(endpoints.recommendations, grpc::InsecureChannelCredentials()));
  const auto vouching = VouchersBySubject(network);
  std::vector<std::string> shares;
  for (uint32_t subject = 0; subject < static_cast<uint32_t>(network.people()) &&
                             static_cast<int>(shares.size()) < subjects;
       ++subject) {
    auto it = vouching.find(subject);
    if (it == vouching.end() || static_cast<int>(it->second.size()) < per_share) continue;
    cv1::CreateShareRequest share;
    for (int a = 0; a < per_share; ++a) {
      const SyntheticStatement& statement = *it->second[a];
      cv1::WriteRecommendationRequest write;
      cv1::Recommendation& recommendation = *write.mutable_recommendation();
      recommendation.set_subject_id(SyntheticNetwork::PersonId(subject));
      recommendation.set_form(cv1::FORM_WRITTEN);
      recommendation.set_text("Worked with them for years; I recommend them without reserve.");
      auto facets = network.InsideFacets(statement);
      for (size_t f = 0; f < facets.size() && f < 3; ++f) *recommendation.add_facets() = facets[f];
      write.set_request_id(absl::StrCat("bench-", statement.truster, "-", subject));
      cv1::Recommendation written;
      grpc::Status status = recommendations->WriteRecommendation(
          Context(tokens.Of(statement.truster)).get(), write, &written);
      if (!status.ok()) return Failed("WriteRecommendation", status);
      cv1::PublishRecommendationRequest publish;
      publish.set_id(written.id());
      cv1::Recommendation published;
      status = recommendations->PublishRecommendation(Context(tokens.Of(subject)).get(), publish,
                                                      &published);
      if (!status.ok()) return Failed("PublishRecommendation", status);
      share.mutable_share()->add_recommendation_ids(written.id());
    }
    share.mutable_share()->set_recruiter("Bench Recruiting");
    share.mutable_share()->mutable_expire_time()->set_seconds(
        absl::ToUnixSeconds(absl::Now() + absl::Hours(24 * 30)));
    cv1::CreateShareResponse created;
    grpc::Status status =
        recommendations->CreateShare(Context(tokens.Of(subject)).get(), share, &created);
    if (!status.ok()) return Failed("CreateShare", status);
    shares.push_back(created.token());
  }
  return shares;
}

}  // namespace trustsphere::bench
