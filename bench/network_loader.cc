#include "bench/network_loader.h"

#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "trustsphere/identity/v1/identity.grpc.pb.h"
#include "trustsphere/recommendations/v1/recommendations.grpc.pb.h"
#include "trustsphere/relationships/v1/relationships.grpc.pb.h"

namespace trustsphere::bench {
namespace {

namespace iv1 = ::trustsphere::identity::v1;
namespace rv1 = ::trustsphere::relationships::v1;
namespace cv1 = ::trustsphere::recommendations::v1;

constexpr int kBatch = 500;  // the servers' import batch limit

absl::Status Failed(const std::string& what, const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(what, ": ", status.error_message()));
}

std::unique_ptr<grpc::ClientContext> Context(const std::string& token) {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return context;
}

// Sends items [0, count) in batches over `streams` concurrent client streams,
// item i going to stream `stream_of(i)`; `fill(i, request)` adds item i.
template <typename Request, typename Response, typename Open, typename StreamOf, typename Fill>
absl::StatusOr<std::vector<Response>> Stream(int64_t count, int streams, const std::string& token,
                                             Open open, StreamOf stream_of, Fill fill) {
  std::vector<Response> responses(streams);
  std::vector<grpc::Status> statuses(streams);
  std::vector<std::thread> threads;
  for (int stream = 0; stream < streams; ++stream) {
    threads.emplace_back([&, stream] {
      grpc::ClientContext context;
      context.AddMetadata("authorization", "Bearer " + token);
      auto writer = open(&context, &responses[stream]);
      Request request;
      auto flush = [&] {
        bool written = writer->Write(request);
        request.Clear();
        return written;  // false once the server ended the stream
      };
      bool open_stream = true;
      int in_batch = 0;
      for (int64_t i = 0; i < count && open_stream; ++i) {
        if (stream_of(i) != stream) continue;
        fill(i, request);
        if (++in_batch == kBatch) {
          open_stream = flush();
          in_batch = 0;
        }
      }
      if (open_stream && in_batch > 0) flush();
      writer->WritesDone();
      statuses[stream] = writer->Finish();
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& status : statuses) {
    if (!status.ok()) return Failed("import", status);
  }
  return responses;
}

}  // namespace

absl::StatusOr<ImportFigures> ImportNetwork(const SyntheticNetwork& network,
                                            const Endpoints& endpoints,
                                            const std::string& operator_token, int streams) {
  ImportFigures figures;
  auto identity = iv1::IdentityService::NewStub(
      grpc::CreateChannel(endpoints.identity, grpc::InsecureChannelCredentials()));
  auto relationships = rv1::RelationshipService::NewStub(
      grpc::CreateChannel(endpoints.relationships, grpc::InsecureChannelCredentials()));

  absl::Time start = absl::Now();
  auto persons = Stream<iv1::ImportPersonsRequest, iv1::ImportPersonsResponse>(
      network.people(), streams, operator_token,
      [&](grpc::ClientContext* context, iv1::ImportPersonsResponse* response) {
        return identity->ImportPersons(context, response);
      },
      [&](int64_t i) { return static_cast<int>(i % streams); },
      [&](int64_t i, iv1::ImportPersonsRequest& request) {
        *request.add_persons() = network.ImportedPerson(static_cast<uint32_t>(i));
      });
  if (!persons.ok()) return persons.status();
  for (const auto& response : *persons) {
    figures.persons += response.persons_imported() + response.persons_skipped();
    figures.positions += response.positions_imported();
  }
  figures.persons_seconds = absl::ToDoubleSeconds(absl::Now() - start);

  start = absl::Now();
  const auto& statements = network.statements();
  auto trust = Stream<rv1::ImportTrustRequest, rv1::ImportTrustResponse>(
      static_cast<int64_t>(statements.size()), streams, operator_token,
      [&](grpc::ClientContext* context, rv1::ImportTrustResponse* response) {
        return relationships->ImportTrust(context, response);
      },
      // One truster's statements in one stream: streams never wait for each
      // other's hold on a truster (its limits are read and written per batch).
      [&](int64_t i) { return static_cast<int>(statements[i].truster % streams); },
      [&](int64_t i, rv1::ImportTrustRequest& request) {
        *request.add_statements() = network.Statement(statements[i]);
      });
  if (!trust.ok()) return trust.status();
  for (const auto& response : *trust) {
    figures.statements += response.statements_imported() + response.statements_skipped();
  }
  figures.statements_seconds = absl::ToDoubleSeconds(absl::Now() - start);
  return figures;
}

absl::StatusOr<std::vector<std::string>> SeedShares(const SyntheticNetwork& network,
                                                    const Endpoints& endpoints,
                                                    PersonTokens& tokens, int subjects) {
  auto recommendations = cv1::RecommendationService::NewStub(
      grpc::CreateChannel(endpoints.recommendations, grpc::InsecureChannelCredentials()));
  // Statements about each subject by someone the subject trusts back.
  absl::flat_hash_map<std::pair<uint32_t, uint32_t>, const SyntheticStatement*> by_pair;
  for (const auto& s : network.statements()) by_pair[{s.truster, s.trustee}] = &s;
  absl::flat_hash_map<uint32_t, std::vector<const SyntheticStatement*>> vouching;
  for (const auto& [pair, statement] : by_pair) {
    if (statement->inside_tags > 0 && by_pair.contains({pair.second, pair.first})) {
      vouching[pair.second].push_back(statement);
    }
  }

  std::vector<std::string> shares;
  for (uint32_t subject = 0; subject < static_cast<uint32_t>(network.people()) &&
                             static_cast<int>(shares.size()) < subjects;
       ++subject) {
    auto it = vouching.find(subject);
    if (it == vouching.end() || it->second.size() < 2) continue;
    cv1::CreateShareRequest share;
    for (int a = 0; a < 2; ++a) {
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
