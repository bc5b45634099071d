#include "bench/network_loader.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "trustsphere/identity/v1/identity.grpc.pb.h"
#include "trustsphere/relationships/v1/relationships.grpc.pb.h"

namespace trustsphere::bench {
namespace {

namespace iv1 = ::trustsphere::identity::v1;
namespace rv1 = ::trustsphere::relationships::v1;

constexpr int kBatch = 500;  // the servers' import batch limit

absl::Status Failed(const std::string& what, const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(what, ": ", status.error_message()));
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

}  // namespace trustsphere::bench
