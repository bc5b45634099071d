// relationships_server: trust statements, mutual references, graph queries.

#include <memory>

#include "absl/flags/flag.h"
#include "absl/time/clock.h"
#include "services/common/core/log.h"
#include "services/common/downstream/downstream.h"
#include "services/common/downstream/identity_client.h"
#include "services/common/downstream/signing_key_refresher.h"
#include "services/common/server/server_main.h"
#include "services/common/server/server_parts.h"
#include "services/common/server/transport_security.h"
#include "services/relationships/graph_trust_store.h"
#include "services/relationships/postgres_trust_store.h"
#include "services/relationships/relationship_handlers.h"
#include "services/relationships/rocksdb_trust_store.h"
#include "storage/postgres/pg_change_follower.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50052", "Address to serve on; port 0 picks one.");
ABSL_FLAG(std::string, identity_addr, "127.0.0.1:50051", "The identity service.");
ABSL_FLAG(std::string, service_token_file, "",
          "File holding this service's access token for identity (trustsphere_admin "
          "mint-token --role=service). Default: <data_dir>/service_token.");
ABSL_FLAG(absl::Duration, key_refresh_period, absl::Minutes(5),
          "How often identity's public keys are fetched again.");
ABSL_FLAG(absl::Duration, startup_timeout, absl::Seconds(60),
          "How long to wait for identity's keys at start before giving up.");
ABSL_FLAG(absl::Duration, tag_use_period, absl::Seconds(1),
          "How often the tags statements use are sent to identity's vocabulary.");
ABSL_FLAG(absl::Duration, consistency_wait, absl::Seconds(2),
          "How long a call that sends a consistency token may wait for this replica to apply "
          "the changes up to it (within its deadline) before UNAVAILABLE.");
ABSL_FLAG(absl::Duration, change_poll_period, absl::Milliseconds(100),
          "With --storage=postgres on an engine without NOTIFY (YugabyteDB, CockroachDB): how "
          "often this replica reads the change log for other replicas' writes. With NOTIFY, an "
          "idle replica sends no query.");
ABSL_FLAG(absl::Duration, identity_follow_bound, absl::Seconds(1),
          "How long a person's deletion or a position's removal in identity may go unnoticed: "
          "identity's answers (live people, position owners) are remembered while its change "
          "log was read this recently; 0 asks identity on every write.");
ABSL_FLAG(int32_t, max_statements_per_truster, 1000, "Active statements one person may hold.");
ABSL_FLAG(int32_t, max_kept_statements_per_truster, 10000,
          "Statements one person may have made, revoked ones included.");
ABSL_FLAG(int32_t, max_unanswered_per_truster, 200,
          "Active statements of one person that may wait for an answer.");

int main(int argc, char** argv) {
  using namespace trustsphere;
  InitServerProcess(argc, argv,
                    "relationships_server --data_dir=PATH [--listen=HOST:PORT] "
                    "[--identity_addr=HOST:PORT]");
  const std::string data_dir = RequiredDataDir();
  const std::string token_file =
      PathOrDefault(absl::GetFlag(FLAGS_service_token_file), data_dir, "service_token");
  const bool sync_writes = SyncWritesFromFlags();
  const auto postgres = PostgresFromFlags();
  const absl::Duration reclaim_period = ErasureReclaimPeriodFromFlags();
  const absl::Duration erasure_poll_period = ErasurePollPeriodFromFlags();

  relationships::RelationshipOptions options;
  options.tag_use_period = absl::GetFlag(FLAGS_tag_use_period);
  options.identity_facts.trust_for = absl::GetFlag(FLAGS_identity_follow_bound);
  options.identity_facts.poll_interval = options.identity_facts.trust_for / 4;
  options.limits = {.max_active = absl::GetFlag(FLAGS_max_statements_per_truster),
                    .max_kept = absl::GetFlag(FLAGS_max_kept_statements_per_truster),
                    .max_unanswered = absl::GetFlag(FLAGS_max_unanswered_per_truster)};

  ServerParts parts("trustsphere.relationships.v1.RelationshipService", data_dir);
  relationships::RelationshipHandlers handlers(&parts.runner, &parts.executor);
  ServiceToken service_token(token_file);
  const auto downstream_credentials =
      DownstreamCredentialsFromFlags({absl::GetFlag(FLAGS_identity_addr)});
  IdentityClient identity(
      DownstreamChannel(absl::GetFlag(FLAGS_identity_addr), downstream_credentials),
      &service_token);
  SigningKeyRefresher keys(&identity, &parts.verifier, absl::GetFlag(FLAGS_key_refresh_period));
  std::unique_ptr<relationships::RelationshipLogic> logic;
  std::unique_ptr<ConsistencyTokens> tokens;
  // Written at a clean stop, read (and removed) at the next start. Not with
  // a shared database: another replica may write while this one is down.
  const std::string checkpoint = postgres ? "" : data_dir + "/trust_graph.checkpoint";
  relationships::GraphTrustStore* graph_store = nullptr;
  // Over a shared database: what keeps this replica's graph fed with the
  // changes other replicas commit.
  std::unique_ptr<storage::postgres::PgChangeFollower> follower;

  const int exit_code = RunServer({
      .name = "trustsphere.relationships.v1.RelationshipService",
      .listen = absl::GetFlag(FLAGS_listen),
      .services = {handlers.Registered(), parts.admin.Registered()},
      .metrics = &parts.metrics,
      .start = [&]() -> absl::Status {
        absl::StatusOr<std::unique_ptr<relationships::TrustStore>> records;
        if (postgres) {
          records = relationships::PostgresTrustStore::Open(
              std::make_unique<storage::postgres::PgPool>(*postgres));
        } else {
          // Every index query is answered by the graph: the store keeps records.
          records = relationships::RocksDbTrustStore::Open(
              data_dir + "/db", sync_writes, relationships::TrustIndexes::kLeftToTheGraph);
        }
        if (!records.ok()) return records.status();
        const absl::Time build_start = absl::Now();
        auto store = relationships::GraphTrustStore::Open(std::move(*records), checkpoint);
        if (!store.ok()) return store.status();
        graph_store = store->get();
        graph_store->SetCommittedListener([&handlers] { handlers.WakeStreams(); });
        const auto graph = graph_store->graph().size();
        Log(LogLevel::kInfo, "trust graph built",
            {F("from", graph_store->restored() ? "checkpoint" : "statements"),
             F("people", graph.people), F("statements", graph.statements), F("bytes", graph.bytes),
             F("seconds", absl::ToDoubleSeconds(absl::Now() - build_start))});
        auto page_tokens = PageTokenCodecFor(**store);
        if (!page_tokens.ok()) return page_tokens.status();
        if (absl::Status fetched = keys.Start(absl::GetFlag(FLAGS_startup_timeout));
            !fetched.ok()) {
          return fetched;
        }
        if (absl::Status followed = parts.FollowDeletions(identity.ChangeLister(),
                                                          absl::GetFlag(FLAGS_startup_timeout));
            !followed.ok()) {
          return followed;
        }
        logic = std::make_unique<relationships::RelationshipLogic>(
            std::move(*store), &identity, std::move(*page_tokens), options);
        if (options.identity_facts.trust_for > absl::ZeroDuration()) {
          logic->identity_facts().StartFollowing();
        }
        parts.ReclaimErasedBytes(&logic->store().admin(), reclaim_period);
        relationships::TrustStore* trust_store = &logic->store();
        parts.EraseDeletedPeople(
            identity.ChangeLister(), trust_store,
            [&logic](const std::string& id) { return logic->ErasePerson(id); },
            erasure_poll_period);
        handlers.Attach(logic.get());
        ConsistencyTokens::Positions positions{
            .applied = [trust_store] { return trust_store->CommittedChangeSequence(); },
            .issued = [trust_store] { return trust_store->LastChangeSequence(); }};
        if (postgres) {
          positions.learn = [trust_store] { return trust_store->Settle(); };
          follower = std::make_unique<storage::postgres::PgChangeFollower>(
              storage::postgres::PgChangeFollowerOptions{
                  .conninfo = postgres->conninfo,
                  .channel = relationships::PostgresTrustStore::kChangeChannel,
                  .poll_period = absl::GetFlag(FLAGS_change_poll_period)},
              [trust_store, last_error = std::string()]() mutable {
                absl::Status settled = trust_store->Settle();
                // Once per cause, not once per attempt while the database is away.
                if (!settled.ok() && settled.ToString() != last_error) {
                  Log(LogLevel::kWarning, "change log not followed",
                      {F("error", settled.ToString())});
                }
                last_error = settled.ok() ? "" : settled.ToString();
              });
        }
        tokens = std::make_unique<ConsistencyTokens>(std::move(positions),
                                                     absl::GetFlag(FLAGS_consistency_wait));
        parts.runner.SetConsistencyTokens(tokens.get());
        parts.Attach(&logic->store().admin());
        parts.runner.SetReady(true);
        Log(LogLevel::kInfo, "storage open",
            {F("storage", postgres ? "postgres" : "rocksdb"), F("data_dir", data_dir)});
        return absl::OkStatus();
      },
      .drain = [&] { handlers.CloseStreams(); },
      .stop =
          [&] {
            parts.runner.SetReady(false);
            handlers.WaitForStreams();
            parts.Attach(nullptr);
            parts.deletions.reset();
            parts.StopErasure();
            handlers.Attach(nullptr);
            parts.runner.SetConsistencyTokens(nullptr);
            tokens.reset();
            follower.reset();
            if (graph_store != nullptr && !checkpoint.empty()) {
              absl::Status saved = graph_store->SaveCheckpoint(checkpoint);
              Log(saved.ok() ? LogLevel::kInfo : LogLevel::kWarning, "trust graph checkpoint",
                  {F("path", checkpoint), F("status", saved.ToString())});
            }
            graph_store = nullptr;
            logic.reset();
          },
      .writable = [&] { return logic->store().admin().CheckWritable(); },
      // Reopening embedded RocksDB may clear an error; restarting every
      // replica brings no shared database back.
      .restart_heals_unwritable = !postgres,
  });
  // Their pollers call the identity client or the logic, locals destroyed before them.
  parts.deletions.reset();
  parts.StopErasure();
  return exit_code;
}
