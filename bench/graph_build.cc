#include "bench/graph_build.h"

#include <filesystem>
#include <random>

#include "absl/container/flat_hash_map.h"
#include "absl/time/clock.h"
#include "bench/process_stats.h"
#include "services/relationships/graph_trust_store.h"
#include "services/relationships/rocksdb_trust_store.h"

namespace trustsphere::bench {
namespace {

using relationships::GraphTrustStore;
using relationships::RocksDbTrustStore;
using relationships::StatementChange;
using relationships::TrustIndexes;

uint64_t PairKey(uint32_t truster, uint32_t trustee) { return (uint64_t{truster} << 32) | trustee; }

// The statement as an import stores it: active, stamped.
relationships::v1::TrustStatement Stored(const SyntheticNetwork& network,
                                         const SyntheticStatement& synthetic) {
  relationships::v1::TrustStatement statement = network.Statement(synthetic);
  statement.set_state(relationships::v1::TRUST_STATE_ACTIVE);
  statement.mutable_create_time()->set_seconds(1764547200);
  *statement.mutable_update_time() = statement.create_time();
  statement.set_etag("0123456789abcdef0123456789abcdef");
  return statement;
}

// Every statement in generation order, each change knowing the statement
// back when that one was written before it, as the indexes need.
absl::Status Write(const SyntheticNetwork& network, RocksDbTrustStore& store) {
  const auto& statements = network.statements();
  absl::flat_hash_map<uint64_t, uint32_t> written;
  written.reserve(statements.size());
  constexpr size_t kBatch = 1000;
  std::vector<StatementChange> batch;
  for (uint32_t i = 0; i < statements.size(); ++i) {
    const SyntheticStatement& statement = statements[i];
    StatementChange change{.after = Stored(network, statement),
                           .kind = relationships::v1::CHANGE_KIND_CREATED};
    auto back = written.find(PairKey(statement.trustee, statement.truster));
    if (back != written.end()) change.reverse = Stored(network, statements[back->second]);
    written.emplace(PairKey(statement.truster, statement.trustee), i);
    batch.push_back(std::move(change));
    if (batch.size() == kBatch || i + 1 == statements.size()) {
      if (auto applied = store.Apply(batch, std::nullopt); !applied.ok()) return applied.status();
      batch.clear();
    }
  }
  return absl::OkStatus();
}

// Nanoseconds per call of `query` over `people` sampled people.
template <typename Query>
double NanosPerCall(const SyntheticNetwork& network, int samples, Query query) {
  std::mt19937 random(7);
  std::vector<std::string> people;
  for (int i = 0; i < samples; ++i) {
    people.push_back(SyntheticNetwork::PersonId(random() % network.people()));
  }
  const absl::Time start = absl::Now();
  for (const auto& person : people) query(person);
  return absl::ToDoubleNanoseconds(absl::Now() - start) / samples;
}

}  // namespace

nlohmann::json MeasureGraph(const SyntheticNetwork& network, const std::string& folder) {
  nlohmann::json figures = {{"people", network.people()},
                            {"statements", network.statements().size()}};
  if (!std::filesystem::exists(folder)) {
    auto store =
        RocksDbTrustStore::Open(folder, /*sync_writes=*/false, TrustIndexes::kLeftToTheGraph);
    if (!store.ok()) return {{"error", store.status().ToString()}};
    const absl::Time start = absl::Now();
    if (absl::Status written = Write(network, **store); !written.ok()) {
      return {{"error", written.ToString()}};
    }
    figures["write_seconds"] = absl::ToDoubleSeconds(absl::Now() - start);
  }
  const double rss_before = SampleProcess(getpid()).rss_mib;
  absl::Time start = absl::Now();
  auto rocksdb =
      RocksDbTrustStore::Open(folder, /*sync_writes=*/false, TrustIndexes::kLeftToTheGraph);
  if (!rocksdb.ok()) return {{"error", rocksdb.status().ToString()}};
  figures["open_seconds"] = absl::ToDoubleSeconds(absl::Now() - start);
  start = absl::Now();
  auto store = GraphTrustStore::Open(std::move(*rocksdb));
  if (!store.ok()) return {{"error", store.status().ToString()}};
  figures["build_seconds"] = absl::ToDoubleSeconds(absl::Now() - start);
  const auto size = (*store)->graph().size();
  figures["graph"] = {{"people", size.people},
                      {"statements", size.statements},
                      {"facets", size.facets},
                      {"bytes", size.bytes},
                      {"bytes_per_person", static_cast<double>(size.bytes) / size.people},
                      {"bytes_per_statement", static_cast<double>(size.bytes) / size.statements}};
  figures["rss_growth_mib"] = SampleProcess(getpid()).rss_mib - rss_before;

  // What the graph's own queries cost, without the store or gRPC.
  const auto& graph = (*store)->graph();
  constexpr int kSamples = 20000;
  const auto facet = network.TagFacet(0);
  size_t sink = 0;
  figures["ns_per_call"] = {
      {"counts", NanosPerCall(network, kSamples,
                              [&](const std::string& person) {
                                sink += graph.Counts(graph.kLatest, person).active;
                              })},
      {"visit_references", NanosPerCall(network, kSamples,
                                        [&](const std::string& person) {
                                          graph.VisitPairs(
                                              graph.kLatest, person, "",
                                              [&](const std::string&, auto mine, auto theirs) {
                                                sink += mine.active && theirs.active;
                                                return true;
                                              });
                                        })},
      {"facet_holders", NanosPerCall(network, kSamples,
                                     [&](const std::string& person) {
                                       graph.VisitFacetHolders(graph.kLatest, person, facet,
                                                               [&](const auto&) {
                                                                 ++sink;
                                                                 return true;
                                                               });
                                     })},
      {"snapshot", NanosPerCall(network, kSamples, [&](const std::string&) {
         sink += (*store)->Snapshot() != nullptr;
       })}};
  figures["checksum"] = sink;

  // A clean stop's checkpoint, and the start that reads it.
  const std::string checkpoint = folder + ".checkpoint";
  start = absl::Now();
  if (absl::Status saved = (*store)->SaveCheckpoint(checkpoint); !saved.ok()) {
    return {{"error", saved.ToString()}};
  }
  figures["checkpoint_save_seconds"] = absl::ToDoubleSeconds(absl::Now() - start);
  figures["checkpoint_bytes"] = std::filesystem::file_size(checkpoint);
  store->reset();
  start = absl::Now();
  auto reopened =
      RocksDbTrustStore::Open(folder, /*sync_writes=*/false, TrustIndexes::kLeftToTheGraph);
  if (!reopened.ok()) return {{"error", reopened.status().ToString()}};
  auto restored = GraphTrustStore::Open(std::move(*reopened), checkpoint);
  if (!restored.ok() || !(*restored)->restored()) return {{"error", "checkpoint not read"}};
  figures["open_from_checkpoint_seconds"] = absl::ToDoubleSeconds(absl::Now() - start);
  return figures;
}

}  // namespace trustsphere::bench
