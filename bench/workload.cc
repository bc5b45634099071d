#include "bench/workload.h"

#include <algorithm>
#include <random>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
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

// Distinct requests per RPC: enough that caches see a realistic spread.
constexpr int kPoolSize = 20000;

// A request and the token of whoever sends it ("" for none).
template <typename Request>
using Pool = std::vector<std::pair<std::string, Request>>;

// Starts calls of one RPC through `invoke(stub, context, request, response,
// done)`, cycling through the pool and the channels.
template <typename Service, typename Request, typename Response, typename Invoke>
StartCall CallsOf(const std::vector<std::shared_ptr<grpc::Channel>>& channels, Pool<Request> pool,
                  Invoke invoke) {
  auto stubs = std::make_shared<std::vector<std::unique_ptr<typename Service::Stub>>>();
  for (const auto& channel : channels) stubs->push_back(Service::NewStub(channel));
  auto requests = std::make_shared<Pool<Request>>(std::move(pool));
  return [stubs, requests, invoke](int64_t sequence, std::function<void(grpc::Status)> done) {
    struct Call {
      grpc::ClientContext context;
      Response response;
    };
    const auto& [token, request] = (*requests)[sequence % requests->size()];
    auto* call = new Call;
    if (!token.empty()) call->context.AddMetadata("authorization", "Bearer " + token);
    call->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    auto* stub = (*stubs)[sequence % stubs->size()].get();
    invoke(stub, &call->context, &request, &call->response,
           [call, done = std::move(done)](grpc::Status status) {
             delete call;
             done(std::move(status));
           });
  };
}

}  // namespace

Workload::Workload(const SyntheticNetwork& network, PersonTokens& tokens,
                   const Endpoints& endpoints, int channels, uint64_t seed,
                   std::vector<std::string> share_tokens)
    : network_(network),
      tokens_(tokens),
      endpoints_(endpoints),
      channels_(channels),
      seed_(seed),
      share_tokens_(std::move(share_tokens)),
      references_(network.people()),
      stated_by_(network.people()) {
  const auto& statements = network.statements();
  absl::flat_hash_set<std::pair<uint32_t, uint32_t>> stated;
  stated.reserve(statements.size());
  for (const auto& s : statements) stated.insert({s.truster, s.trustee});
  for (uint32_t i = 0; i < statements.size(); ++i) {
    const SyntheticStatement& s = statements[i];
    stated_by_[s.truster].push_back(i);
    if (s.truster < s.trustee && stated.contains({s.trustee, s.truster})) {
      references_[s.truster].push_back(s.trustee);
      references_[s.trustee].push_back(s.truster);
    }
  }
  std::vector<uint32_t> candidates;
  for (uint32_t p = 0; p < references_.size(); ++p) {
    if (!references_[p].empty()) candidates.push_back(p);
  }
  std::shuffle(candidates.begin(), candidates.end(), std::mt19937_64(seed));
  candidates.resize(std::min<size_t>(candidates.size(), kActivePeople));
  active_ = std::move(candidates);
}

const std::vector<std::string>& Workload::Rpcs() {
  static const std::vector<std::string> kRpcs = {
      "CheckTrust", "FindVouchers2", "FindVouchers3", "ListReferences",  "GetCoverage",
      "GetPerson",  "SearchPeople",  "PutTrust",      "GetSharedDossier"};
  return kRpcs;
}

std::string Workload::ServerOf(const std::string& rpc) {
  if (rpc == "GetPerson" || rpc == "SearchPeople") return "identity";
  if (rpc == "GetSharedDossier") return "recommendations";
  return "relationships";
}

const std::vector<std::shared_ptr<grpc::Channel>>& Workload::Channels(const std::string& server) {
  auto& channels = channels_by_server_[server];
  if (channels.empty()) {
    const std::string& target = endpoints_.Of(server);
    for (int i = 0; i < channels_; ++i) {
      grpc::ChannelArguments args;
      // Distinct connections: one HTTP/2 connection per channel.
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
      args.SetInt("trustsphere.bench.channel", i);
      channels.push_back(
          grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args));
    }
  }
  return channels;
}

uint32_t Workload::SomeoneActive(std::mt19937_64& random) const {
  return active_[random() % active_.size()];
}

CallKind Workload::Health(const std::string& server) {
  using grpc::health::v1::Health;
  using grpc::health::v1::HealthCheckRequest;
  using grpc::health::v1::HealthCheckResponse;
  Pool<HealthCheckRequest> pool(1);
  return {"Health", 1,
          CallsOf<Health, HealthCheckRequest, HealthCheckResponse>(
              Channels(server), std::move(pool),
              [](auto* stub, auto* context, auto* request, auto* response, auto done) {
                stub->async()->Check(context, request, response, std::move(done));
              })};
}

absl::StatusOr<CallKind> Workload::Kind(const std::string& rpc) {
  std::mt19937_64 random(seed_ ^ std::hash<std::string>()(rpc));
  const auto& statements = network_.statements();
  auto some_statement = [&]() -> const SyntheticStatement& {
    return statements[random() % statements.size()];
  };
  auto some_person = [&]() { return static_cast<uint32_t>(random() % network_.people()); };
  const auto& channels = Channels(ServerOf(rpc));

  if (rpc == "CheckTrust") {
    // A backend (service token) asks whether a truster vouches for a facet:
    // mostly one of the sphere's, sometimes another tag (NOT_STATED).
    const std::string backend = tokens_.Privileged("backend", "service");
    Pool<rv1::CheckTrustRequest> pool;
    while (pool.size() < kPoolSize) {
      const SyntheticStatement& s = some_statement();
      auto facets = network_.InsideFacets(s);
      rv1::CheckTrustRequest request;
      request.set_truster_id(SyntheticNetwork::PersonId(s.truster));
      request.set_trustee_id(SyntheticNetwork::PersonId(s.trustee));
      *request.mutable_facet() =
          random() % 10 < 7 ? facets[random() % facets.size()] : network_.TagFacet(random() % 2000);
      pool.emplace_back(tokens_.Of(s.truster), std::move(request));
    }
    return CallKind{
        rpc, 1,
        CallsOf<rv1::RelationshipService, rv1::CheckTrustRequest, rv1::CheckTrustResponse>(
            channels, std::move(pool), [](auto* stub, auto* c, auto* q, auto* r, auto done) {
              stub->async()->CheckTrust(c, q, r, std::move(done));
            })};
  }
  if (rpc == "FindVouchers2" || rpc == "FindVouchers3") {
    // Someone looks for vouchers of a person for a facet that one of their
    // own references holds inside: at least one voucher is reachable.
    Pool<rv1::FindVouchersRequest> pool;
    while (pool.size() < kPoolSize) {
      const uint32_t caller = SomeoneActive(random);
      const auto& partners = references_[caller];
      const auto& made = stated_by_[partners[random() % partners.size()]];
      const SyntheticStatement& s = statements[made[random() % made.size()]];
      if (s.trustee == caller) continue;
      auto facets = network_.InsideFacets(s);
      rv1::FindVouchersRequest request;
      request.set_subject_id(SyntheticNetwork::PersonId(s.trustee));
      *request.mutable_facet() = facets[random() % facets.size()];
      request.set_max_depth(rpc.back() - '0');
      pool.emplace_back(tokens_.Of(caller), std::move(request));
    }
    return CallKind{
        rpc, 1,
        CallsOf<rv1::RelationshipService, rv1::FindVouchersRequest, rv1::FindVouchersResponse>(
            channels, std::move(pool), [](auto* stub, auto* c, auto* q, auto* r, auto done) {
              stub->async()->FindVouchers(c, q, r, std::move(done));
            })};
  }
  if (rpc == "ListReferences") {
    Pool<rv1::ListReferencesRequest> pool;
    while (pool.size() < kPoolSize) {
      const uint32_t person = SomeoneActive(random);
      rv1::ListReferencesRequest request;
      request.set_person_id(SyntheticNetwork::PersonId(person));
      pool.emplace_back(tokens_.Of(person), std::move(request));
    }
    return CallKind{
        rpc, 1,
        CallsOf<rv1::RelationshipService, rv1::ListReferencesRequest, rv1::ListReferencesResponse>(
            channels, std::move(pool), [](auto* stub, auto* c, auto* q, auto* r, auto done) {
              stub->async()->ListReferences(c, q, r, std::move(done));
            })};
  }
  if (rpc == "GetCoverage") {
    Pool<rv1::GetCoverageRequest> pool;
    while (pool.size() < kPoolSize) {
      const uint32_t person = SomeoneActive(random);
      rv1::GetCoverageRequest request;
      request.set_person_id(SyntheticNetwork::PersonId(person));
      pool.emplace_back(tokens_.Of(person), std::move(request));
    }
    return CallKind{
        rpc, 1,
        CallsOf<rv1::RelationshipService, rv1::GetCoverageRequest, rv1::GetCoverageResponse>(
            channels, std::move(pool), [](auto* stub, auto* c, auto* q, auto* r, auto done) {
              stub->async()->GetCoverage(c, q, r, std::move(done));
            })};
  }
  if (rpc == "GetPerson") {
    Pool<iv1::GetPersonRequest> pool;
    while (pool.size() < kPoolSize) {
      iv1::GetPersonRequest request;
      request.set_id(SyntheticNetwork::PersonId(some_person()));
      pool.emplace_back(tokens_.Of(SomeoneActive(random)), std::move(request));
    }
    return CallKind{
        rpc, 1,
        CallsOf<iv1::IdentityService, iv1::GetPersonRequest, iv1::Person>(
            channels, std::move(pool), [](auto* stub, auto* c, auto* q, auto* r, auto done) {
              stub->async()->GetPerson(c, q, r, std::move(done));
            })};
  }
  if (rpc == "SearchPeople") {
    // A person looks for someone by a word everyone's name holds
    // ("person", past the bound of one scan) and the first digits of their
    // number: the rarer word's entries are ranked.
    Pool<iv1::SearchPeopleRequest> pool;
    while (pool.size() < kPoolSize) {
      const std::string number = std::to_string(some_person());
      iv1::SearchPeopleRequest request;
      request.set_name_prefix("person " + number.substr(0, std::max<size_t>(3, number.size() - 1)));
      pool.emplace_back(tokens_.Of(SomeoneActive(random)), std::move(request));
    }
    return CallKind{
        rpc, 1,
        CallsOf<iv1::IdentityService, iv1::SearchPeopleRequest, iv1::SearchPeopleResponse>(
            channels, std::move(pool), [](auto* stub, auto* c, auto* q, auto* r, auto done) {
              stub->async()->SearchPeople(c, q, r, std::move(done));
            })};
  }
  if (rpc == "PutTrust") {
    // New statements between people who had none (a repeat of the pool
    // replaces one, which is also a write).
    Pool<rv1::PutTrustRequest> pool;
    while (pool.size() < kPoolSize * 5) {
      const uint32_t truster = SomeoneActive(random);
      const uint32_t trustee = some_person();
      if (truster == trustee) continue;
      rv1::PutTrustRequest request;
      rv1::TrustStatement& statement = *request.mutable_statement();
      statement.set_trustee_id(SyntheticNetwork::PersonId(trustee));
      for (int i = 0; i < 3 + static_cast<int>(random() % 5); ++i) {
        *statement.mutable_sphere()->add_inside() = network_.TagFacet(500 + pool.size() % 1500 + i);
      }
      statement.set_visibility(rv1::VISIBILITY_NETWORK);
      pool.emplace_back(tokens_.Of(truster), std::move(request));
    }
    return CallKind{
        rpc, 1,
        CallsOf<rv1::RelationshipService, rv1::PutTrustRequest, rv1::TrustStatement>(
            channels, std::move(pool), [](auto* stub, auto* c, auto* q, auto* r, auto done) {
              stub->async()->PutTrust(c, q, r, std::move(done));
            })};
  }
  if (rpc == "GetSharedDossier") {
    if (share_tokens_.empty()) {
      return absl::FailedPreconditionError("no share tokens: run `load` with --shares first");
    }
    Pool<cv1::GetSharedDossierRequest> pool;
    for (const auto& token : share_tokens_) {
      cv1::GetSharedDossierRequest request;
      request.set_token(token);
      pool.emplace_back("", std::move(request));
    }
    return CallKind{
        rpc, 1,
        CallsOf<cv1::RecommendationService, cv1::GetSharedDossierRequest, cv1::Dossier>(
            channels, std::move(pool), [](auto* stub, auto* c, auto* q, auto* r, auto done) {
              stub->async()->GetSharedDossier(c, q, r, std::move(done));
            })};
  }
  return absl::InvalidArgumentError("unknown RPC " + rpc);
}

}  // namespace trustsphere::bench
