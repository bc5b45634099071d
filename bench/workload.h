#pragma once

// The calls a benchmark sends, with realistic arguments drawn from the
// synthetic network: who checks whom for what, who looks for vouchers of
// whom, and so on. Each caller carries an access token of its own, signed
// with identity's key as identity would sign it.

#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/load_generator.h"
#include "bench/person_tokens.h"
#include "bench/synthetic_network.h"
#include "grpcpp/channel.h"

namespace trustsphere::bench {

struct Endpoints {
  std::string identity;
  std::string relationships;
  std::string recommendations;

  // The address of "identity", "relationships" or "recommendations".
  const std::string& Of(const std::string& server) const {
    return server == "identity"        ? identity
           : server == "relationships" ? relationships
                                       : recommendations;
  }
};

class Workload {
 public:
  // People calling during a run: a few thousand sessions at a time, whose
  // tokens the servers verify once (during warm-up) and then find in their
  // token cache, as with real sessions that make many calls.
  static constexpr int kActivePeople = 2000;

  // `channels` connections per server; `share_tokens` for GetSharedDossier.
  Workload(const SyntheticNetwork& network, PersonTokens& tokens, const Endpoints& endpoints,
           int channels, uint64_t seed, std::vector<std::string> share_tokens);

  // The RPCs Kind() knows: CheckTrust, FindVouchers2, FindVouchers3,
  // ListReferences, GetCoverage, GetPerson, PutTrust, GetSharedDossier.
  static const std::vector<std::string>& Rpcs();
  // The server that answers `rpc`: "identity", "relationships" or
  // "recommendations".
  static std::string ServerOf(const std::string& rpc);

  absl::StatusOr<CallKind> Kind(const std::string& rpc);
  // grpc.health.v1.Health/Check on `server`: the no-op ceiling.
  CallKind Health(const std::string& server);

 private:
  const std::vector<std::shared_ptr<grpc::Channel>>& Channels(const std::string& server);
  // One of the people active during the run (see kActivePeople).
  uint32_t SomeoneActive(std::mt19937_64& random) const;

  const SyntheticNetwork& network_;
  PersonTokens& tokens_;
  Endpoints endpoints_;
  int channels_;
  uint64_t seed_;
  std::vector<std::string> share_tokens_;
  std::map<std::string, std::vector<std::shared_ptr<grpc::Channel>>> channels_by_server_;
  // Mutual references of each person, and the statements each one made
  // (indexes into network_.statements()).
  std::vector<std::vector<uint32_t>> references_;
  std::vector<std::vector<uint32_t>> stated_by_;
  std::vector<uint32_t> active_;
};

}  // namespace trustsphere::bench
