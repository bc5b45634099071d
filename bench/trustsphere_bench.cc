// trustsphere_bench: loads a synthetic network into running servers and
// measures them under load. bench/run.sh drives it; see bench/README.md.
//
//   trustsphere_bench load --people=N --seed=S --signing_key_file=F
//       [--streams=2] [--shares=200] [--recommendations_per_share=20]
//       [--shares_file=F] [--out=load.json]
//     Imports the network (ImportPersons, ImportTrust) and seeds shared
//     dossiers; writes the share tokens to --shares_file.
//
//   trustsphere_bench run --people=N --seed=S --signing_key_file=F
//       --scenarios=CheckTrust@c1,CheckTrust@r2000,mix@c16,...
//       [--duration=10s] [--warmup=2s] [--channels=4] [--pids=name:pid,...]
//       [--out=results.json]
//     For each scenario (RPC @ c<calls in flight> or r<calls per second>):
//     the same load on grpc.health.v1.Health/Check of the server that
//     answers the RPC, then on the RPC, with the servers' CPU and memory.
//
//   trustsphere_bench serving --pids=relationships:PID
//     Waits for SERVING and prints how long after the process started.
//
//   trustsphere_bench settle --pids=name:pid,...
//     Waits until the servers are idle.
//
//   trustsphere_bench graph --people=N --seed=S --db=FOLDER [--out=graph.json]
//     In process: writes the network into a relationships store at FOLDER
//     (unless it is there already), then times the graph's build, its
//     memory and its queries.

#include <cstdio>
#include <fstream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "bench/dossier_shares.h"
#include "bench/graph_build.h"
#include "bench/load_generator.h"
#include "bench/network_loader.h"
#include "bench/person_tokens.h"
#include "bench/process_stats.h"
#include "bench/synthetic_network.h"
#include "bench/workload.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "nlohmann/json.hpp"

ABSL_FLAG(int, people, 100000, "People in the synthetic network.");
ABSL_FLAG(uint64_t, seed, 1, "Seed of the synthetic network.");
ABSL_FLAG(std::string, identity, "127.0.0.1:50051", "identity server address.");
ABSL_FLAG(std::string, relationships, "127.0.0.1:50052", "relationships server address.");
ABSL_FLAG(std::string, recommendations, "127.0.0.1:50053", "recommendations server address.");
ABSL_FLAG(std::string, signing_key_file, "", "identity's signing key (tokens are minted with it).");
ABSL_FLAG(int, streams, 2, "load: concurrent import streams.");
ABSL_FLAG(int, shares, 200, "load: shared dossiers to create.");
ABSL_FLAG(int, recommendations_per_share, 20,
          "load: recommendations in each shared dossier, each by another reference.");
ABSL_FLAG(std::string, shares_file, "", "Share tokens: written by load, read by run.");
ABSL_FLAG(std::string, scenarios, "CheckTrust@c1", "run: comma-separated RPC@c<N> or RPC@r<R>.");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10), "run: measured time per phase.");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(2), "run: unmeasured time before each phase.");
ABSL_FLAG(int, channels, 4, "run: connections per server.");
ABSL_FLAG(std::string, pids, "", "run: name:pid of the servers to sample, comma-separated.");
ABSL_FLAG(std::string, out, "", "Where to write the figures (JSON).");
ABSL_FLAG(std::string, db, "", "graph: the relationships database folder to write or reuse.");
ABSL_FLAG(std::string, table, "",
          "run: also write one line per scenario (whitespace-separated, for gnuplot).");

namespace trustsphere::bench {
namespace {

using nlohmann::json;

// The mix of a busy deployment: mostly reads, a few writes.
const std::vector<std::pair<std::string, double>> kMix = {
    {"CheckTrust", 40},    {"GetPerson", 15}, {"ListReferences", 15}, {"GetCoverage", 10},
    {"FindVouchers2", 10}, {"PutTrust", 5},   {"GetSharedDossier", 5}};

Endpoints EndpointsFromFlags() {
  return {absl::GetFlag(FLAGS_identity), absl::GetFlag(FLAGS_relationships),
          absl::GetFlag(FLAGS_recommendations)};
}

SyntheticNetwork GenerateFromFlags() {
  NetworkShape shape;
  shape.people = absl::GetFlag(FLAGS_people);
  shape.seed = absl::GetFlag(FLAGS_seed);
  absl::Time start = absl::Now();
  SyntheticNetwork network = SyntheticNetwork::Generate(shape);
  std::fprintf(stderr, "network: %d people, %zu statements, generated in %.1f s\n",
               network.people(), network.statements().size(),
               absl::ToDoubleSeconds(absl::Now() - start));
  return network;
}

PersonTokens TokensFromFlags() {
  auto key = LoadOrCreateSigningKey(absl::GetFlag(FLAGS_signing_key_file));
  if (!key.ok()) {
    std::fprintf(stderr, "signing key: %s\n", key.status().ToString().c_str());
    std::exit(2);
  }
  return PersonTokens(*std::move(key));
}

void WriteJson(const json& value) {
  const std::string path = absl::GetFlag(FLAGS_out);
  if (path.empty()) return;
  std::ofstream(path) << value.dump(2) << "\n";
}

int Load() {
  SyntheticNetwork network = GenerateFromFlags();
  PersonTokens tokens = TokensFromFlags();
  const Endpoints endpoints = EndpointsFromFlags();
  auto imported = ImportNetwork(network, endpoints, tokens.Privileged("bench", "operator"),
                                absl::GetFlag(FLAGS_streams));
  if (!imported.ok()) {
    std::fprintf(stderr, "import failed: %s\n", imported.status().ToString().c_str());
    return 1;
  }
  std::printf(
      "imported %lld people (%lld positions) in %.1f s, %lld statements in %.1f s "
      "(%.0f statements/s)\n",
      static_cast<long long>(imported->persons), static_cast<long long>(imported->positions),
      imported->persons_seconds, static_cast<long long>(imported->statements),
      imported->statements_seconds,
      static_cast<double>(imported->statements) / imported->statements_seconds);
  absl::Time start = absl::Now();
  auto shares = SeedDossierShares(network, endpoints, tokens, absl::GetFlag(FLAGS_shares),
                                  absl::GetFlag(FLAGS_recommendations_per_share));
  if (!shares.ok()) {
    std::fprintf(stderr, "seeding shares failed: %s\n", shares.status().ToString().c_str());
    return 1;
  }
  const double shares_seconds = absl::ToDoubleSeconds(absl::Now() - start);
  std::printf("seeded %zu shared dossiers of %d recommendations in %.1f s\n", shares->size(),
              absl::GetFlag(FLAGS_recommendations_per_share), shares_seconds);
  if (!absl::GetFlag(FLAGS_shares_file).empty()) {
    std::ofstream file(absl::GetFlag(FLAGS_shares_file));
    for (const auto& token : *shares) file << token << "\n";
  }
  WriteJson({{"people", imported->persons},
             {"positions", imported->positions},
             {"statements", imported->statements},
             {"people_seconds", imported->persons_seconds},
             {"statements_seconds", imported->statements_seconds},
             {"shares", shares->size()},
             {"shares_seconds", shares_seconds}});
  return 0;
}

struct Scenario {
  std::string rpc;
  LoadOptions options;
  std::string label;
};

std::optional<Scenario> ParseScenario(const std::string& spec) {
  std::vector<std::string> parts = absl::StrSplit(spec, '@');
  if (parts.size() != 2 || parts[1].size() < 2) return std::nullopt;
  Scenario scenario{parts[0], {}, spec};
  double value = 0;
  if (!absl::SimpleAtod(parts[1].substr(1), &value) || value <= 0) return std::nullopt;
  if (parts[1][0] == 'c') {
    scenario.options.concurrency = static_cast<int>(value);
  } else if (parts[1][0] == 'r') {
    scenario.options.rate = value;
  } else {
    return std::nullopt;
  }
  scenario.options.duration = absl::GetFlag(FLAGS_duration);
  scenario.options.warmup = absl::GetFlag(FLAGS_warmup);
  scenario.options.seed = absl::GetFlag(FLAGS_seed);
  return scenario;
}

std::vector<std::pair<std::string, pid_t>> ServerPids() {
  std::vector<std::pair<std::string, pid_t>> pids;
  for (absl::string_view entry :
       absl::StrSplit(absl::GetFlag(FLAGS_pids), ',', absl::SkipEmpty())) {
    std::pair<std::string, std::string> parts = absl::StrSplit(entry, ':');
    int pid = 0;
    if (absl::SimpleAtoi(parts.second, &pid)) pids.emplace_back(parts.first, pid);
  }
  return pids;
}

json SummaryJson(const LatencySummary& s) {
  return {{"calls", s.calls},
          {"errors", s.errors},
          {"error_codes", s.error_codes},
          {"first_error", s.first_error},
          {"throughput_per_s", s.throughput},
          {"latency_us",
           {{"p50", s.p50},
            {"p90", s.p90},
            {"p99", s.p99},
            {"p999", s.p999},
            {"max", s.max},
            {"mean", s.mean}}}};
}

// Runs one load phase and reports what each server spent meanwhile.
json Phase(const LoadOptions& options, const std::vector<CallKind>& kinds, LoadResult* result) {
  const auto pids = ServerPids();
  std::vector<ProcessSample> before;
  for (const auto& [name, pid] : pids) before.push_back(SampleProcess(pid));
  const ProcessSample client_before = SampleProcess(getpid());
  const absl::Time start = absl::Now();
  *result = RunLoad(options, kinds);
  const double wall = absl::ToDoubleSeconds(absl::Now() - start);
  json servers = json::object();
  for (size_t i = 0; i < pids.size(); ++i) {
    ProcessSample after = SampleProcess(pids[i].second);
    if (!after.ok || !before[i].ok) continue;
    servers[pids[i].first] = {{"cpu_cores", (after.cpu_seconds - before[i].cpu_seconds) / wall},
                              {"rss_mib", after.rss_mib},
                              {"peak_rss_mib", after.peak_rss_mib},
                              {"cpus", after.cpus}};
  }
  const ProcessSample client_after = SampleProcess(getpid());
  json by_kind = json::object();
  for (const auto& [name, summary] : result->by_kind) by_kind[name] = SummaryJson(summary);
  return {{"by_rpc", by_kind},
          {"shed", result->shed},
          {"servers", servers},
          {"client",
           {{"cpu_cores", (client_after.cpu_seconds - client_before.cpu_seconds) / wall},
            {"cpus", client_after.cpus}}}};
}

// Waits until the server answers SERVING and reports how long after its
// process started that was.
int Serving() {
  const auto pids = ServerPids();
  if (pids.size() != 1) {
    std::fprintf(stderr, "serving: give one --pids=name:pid\n");
    return 2;
  }
  const auto& [server, pid] = pids[0];
  const std::string target = EndpointsFromFlags().Of(server);
  for (absl::Time give_up = absl::Now() + absl::Seconds(60); absl::Now() < give_up;) {
    // A channel of its own for every attempt: one that first tried before
    // the server listened stayed failed for about 5 s whatever its
    // back-off settings, which every cold start measured here included.
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    auto health = grpc::health::v1::Health::NewStub(
        grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
    if (health->Check(&context, request, &response).ok() &&
        response.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
      const double seconds = SecondsSinceStart(pid);
      std::printf("%s SERVING %.3f s after its process started\n", server.c_str(), seconds);
      WriteJson({{"server", server}, {"seconds_to_serving", seconds}});
      return seconds < 0 ? 1 : 0;
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
  std::fprintf(stderr, "%s never answered SERVING\n", server.c_str());
  return 1;
}

// Waits until the servers are idle (below 5 % of a core together for a
// second): after an import, recommendations catches up with the change
// stream and RocksDB compacts, and neither should be measured as load.
int Settle() {
  const auto pids = ServerPids();
  const absl::Time start = absl::Now();
  while (absl::Now() - start < absl::Minutes(10)) {
    double before = 0, after = 0;
    for (const auto& [name, pid] : pids) before += SampleProcess(pid).cpu_seconds;
    absl::SleepFor(absl::Seconds(1));
    for (const auto& [name, pid] : pids) after += SampleProcess(pid).cpu_seconds;
    if (after - before < 0.05) {
      std::printf("servers idle after %.0f s\n", absl::ToDoubleSeconds(absl::Now() - start));
      return 0;
    }
  }
  std::fprintf(stderr, "servers still busy after 10 minutes\n");
  return 1;
}

int RunScenarios() {
  SyntheticNetwork network = GenerateFromFlags();
  PersonTokens tokens = TokensFromFlags();
  std::vector<std::string> shares;
  if (!absl::GetFlag(FLAGS_shares_file).empty()) {
    std::ifstream file(absl::GetFlag(FLAGS_shares_file));
    for (std::string line; std::getline(file, line);) {
      if (!line.empty()) shares.push_back(line);
    }
  }
  Workload workload(network, tokens, EndpointsFromFlags(), absl::GetFlag(FLAGS_channels),
                    absl::GetFlag(FLAGS_seed), shares);

  json results = json::array();
  std::ofstream table;
  if (!absl::GetFlag(FLAGS_table).empty()) {
    table.open(absl::GetFlag(FLAGS_table));
    table << "# rpc offered_rate calls_per_s p50_us p90_us p99_us health_calls_per_s "
             "health_p50_us health_p99_us errors\n";
  }
  std::printf("%-22s %10s %10s %9s %9s %9s %9s %8s %8s\n", "scenario", "calls/s", "health/s",
              "ratio", "p50 us", "p90 us", "p99 us", "p99.9 us", "errors");
  for (absl::string_view spec :
       absl::StrSplit(absl::GetFlag(FLAGS_scenarios), ',', absl::SkipEmpty())) {
    auto scenario = ParseScenario(std::string(spec));
    if (!scenario) {
      std::fprintf(stderr, "bad scenario \"%s\": want RPC@c<N> or RPC@r<R>\n",
                   std::string(spec).c_str());
      return 2;
    }
    // A mix is reported by its CheckTrust figures, against relationships' ceiling.
    const bool mix = scenario->rpc == "mix";
    const std::string main_rpc = mix ? "CheckTrust" : scenario->rpc;
    std::vector<CallKind> kinds;
    const std::vector<std::pair<std::string, double>> single = {{scenario->rpc, 1}};
    for (const auto& [rpc, weight] : mix ? kMix : single) {
      auto kind = workload.Kind(rpc);
      if (!kind.ok()) {
        std::fprintf(stderr, "%s: %s\n", rpc.c_str(), kind.status().ToString().c_str());
        return 2;
      }
      kind->weight = weight;
      kinds.push_back(*std::move(kind));
    }
    const std::string server = Workload::ServerOf(main_rpc);

    LoadResult health_result, rpc_result;
    json health = Phase(scenario->options, {workload.Health(server)}, &health_result);
    json measured = Phase(scenario->options, kinds, &rpc_result);

    const LatencySummary& ceiling = health_result.by_kind["Health"];
    LatencySummary total;
    for (const auto& [name, summary] : rpc_result.by_kind) {
      total.calls += summary.calls;
      total.errors += summary.errors;
    }
    total.throughput = static_cast<double>(total.calls) / rpc_result.measured_seconds;
    const LatencySummary& main = rpc_result.by_kind[main_rpc];
    const double ratio = ceiling.throughput > 0 ? total.throughput / ceiling.throughput : 0;
    std::printf("%-22s %10.0f %10.0f %9.2f %9.0f %9.0f %9.0f %8.0f %8lld\n",
                scenario->label.c_str(), total.throughput, ceiling.throughput, ratio, main.p50,
                main.p90, main.p99, main.p999, static_cast<long long>(total.errors));
    std::fflush(stdout);
    for (const auto& [name, summary] : rpc_result.by_kind) {
      if (summary.errors > 0) {
        std::fprintf(stderr, "  %s: %lld errors, first: %s\n", name.c_str(),
                     static_cast<long long>(summary.errors), summary.first_error.c_str());
      }
    }
    results.push_back(
        {{"scenario", scenario->label},
         {"rpc", scenario->rpc},
         {"server", server},
         {"concurrency", scenario->options.rate > 0 ? 0 : scenario->options.concurrency},
         {"offered_rate", scenario->options.rate},
         {"duration_s", absl::ToDoubleSeconds(scenario->options.duration)},
         {"throughput_per_s", total.throughput},
         {"health_throughput_per_s", ceiling.throughput},
         {"throughput_ratio_to_health", ratio},
         {"p50_ratio_to_health", ceiling.p50 > 0 ? main.p50 / ceiling.p50 : 0},
         {"p99_ratio_to_health", ceiling.p99 > 0 ? main.p99 / ceiling.p99 : 0},
         {"health", health},
         {"measured", measured}});
    WriteJson(results);  // after every scenario: a long run that stops keeps its figures
    if (table.is_open()) {
      table << scenario->rpc << " " << scenario->options.rate << " " << total.throughput << " "
            << main.p50 << " " << main.p90 << " " << main.p99 << " " << ceiling.throughput << " "
            << ceiling.p50 << " " << ceiling.p99 << " " << total.errors << std::endl;
    }
  }
  return 0;
}

int Graph() {
  if (absl::GetFlag(FLAGS_db).empty()) {
    std::fprintf(stderr, "graph: --db=FOLDER is required\n");
    return 2;
  }
  const json figures = MeasureGraph(GenerateFromFlags(), absl::GetFlag(FLAGS_db));
  std::printf("%s\n", figures.dump(2).c_str());
  WriteJson(figures);
  return figures.contains("error") ? 1 : 0;
}

}  // namespace
}  // namespace trustsphere::bench

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "trustsphere_bench load|run|serving|settle|graph [flags]; see bench/README.md");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  const std::string command = args.size() > 1 ? args[1] : "";
  if (command == "load") return trustsphere::bench::Load();
  if (command == "run") return trustsphere::bench::RunScenarios();
  if (command == "serving") return trustsphere::bench::Serving();
  if (command == "settle") return trustsphere::bench::Settle();
  if (command == "graph") return trustsphere::bench::Graph();
  std::fprintf(
      stderr,
      "usage: trustsphere_bench load|run|serving|settle|graph [flags]; see bench/README.md\n");
  return 2;
}
