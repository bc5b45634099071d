// recommendations_server: recommendations within the trust sphere, shares
// with recruiters, signed exports.

#include <memory>

#include "absl/flags/flag.h"
#include "services/common/core/crypto.h"
#include "services/common/core/log.h"
#include "services/common/downstream/downstream.h"
#include "services/common/downstream/identity_client.h"
#include "services/common/downstream/signing_key_refresher.h"
#include "services/common/server/server_main.h"
#include "services/common/server/server_parts.h"
#include "services/common/server/transport_security.h"
#include "services/recommendations/postgres_recommendation_store.h"
#include "services/recommendations/recommendation_handlers.h"
#include "services/recommendations/relationships_client.h"
#include "services/recommendations/rocksdb_recommendation_store.h"
#include "services/recommendations/trust_change_consumer.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50053", "Address to serve on; port 0 picks one.");
ABSL_FLAG(std::string, identity_addr, "127.0.0.1:50051", "The identity service.");
ABSL_FLAG(std::string, relationships_addr, "127.0.0.1:50052", "The relationships service.");
ABSL_FLAG(std::string, service_token_file, "",
          "File holding this service's access token (trustsphere_admin mint-token "
          "--role=service). Default: <data_dir>/service_token.");
ABSL_FLAG(std::string, signing_key_file, "",
          "Ed25519 key that signs exported recommendations; created when absent. Default: "
          "<data_dir>/signing_key.json.");
ABSL_FLAG(absl::Duration, key_refresh_period, absl::Minutes(5),
          "How often identity's public keys are fetched again.");
ABSL_FLAG(absl::Duration, startup_timeout, absl::Seconds(60),
          "How long to wait for identity's keys at start before giving up.");

int main(int argc, char** argv) {
  using namespace trustsphere;
  InitServerProcess(argc, argv,
                    "recommendations_server --data_dir=PATH [--listen=HOST:PORT] "
                    "[--identity_addr=HOST:PORT] [--relationships_addr=HOST:PORT]");
  const std::string data_dir = RequiredDataDir();
  const std::string token_file =
      PathOrDefault(absl::GetFlag(FLAGS_service_token_file), data_dir, "service_token");
  const std::string key_file =
      PathOrDefault(absl::GetFlag(FLAGS_signing_key_file), data_dir, "signing_key.json");
  const bool sync_writes = SyncWritesFromFlags();
  const auto postgres = PostgresFromFlags();
  const absl::Duration reclaim_period = ErasureReclaimPeriodFromFlags();
  const absl::Duration erasure_poll_period = ErasurePollPeriodFromFlags();

  ServerParts parts("trustsphere.recommendations.v1.RecommendationService", data_dir);
  recommendations::RecommendationHandlers handlers(&parts.runner);
  ServiceToken service_token(token_file);
  const auto downstream_credentials = DownstreamCredentialsFromFlags(
      {absl::GetFlag(FLAGS_identity_addr), absl::GetFlag(FLAGS_relationships_addr)});
  IdentityClient identity(
      DownstreamChannel(absl::GetFlag(FLAGS_identity_addr), downstream_credentials),
      &service_token);
  recommendations::RelationshipsClient relationships(
      DownstreamChannel(absl::GetFlag(FLAGS_relationships_addr), downstream_credentials),
      &service_token);
  SigningKeyRefresher keys(&identity, &parts.verifier, absl::GetFlag(FLAGS_key_refresh_period));
  std::unique_ptr<recommendations::RecommendationLogic> logic;
  std::unique_ptr<recommendations::TrustChangeConsumer> consumer;

  const int exit_code = RunServer({
      .name = "trustsphere.recommendations.v1.RecommendationService",
      .listen = absl::GetFlag(FLAGS_listen),
      .services = {handlers.Registered(), parts.admin.Registered()},
      .metrics = &parts.metrics,
      .start = [&]() -> absl::Status {
        auto signing_key = LoadOrCreateSigningKey(key_file);
        if (!signing_key.ok()) return signing_key.status();
        absl::StatusOr<std::unique_ptr<recommendations::RecommendationStore>> store;
        if (postgres) {
          store = recommendations::PostgresRecommendationStore::Open(
              std::make_unique<storage::postgres::PgPool>(*postgres));
        } else {
          store = recommendations::RocksDbRecommendationStore::Open(data_dir + "/db", sync_writes);
        }
        if (!store.ok()) return store.status();
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
        logic = std::make_unique<recommendations::RecommendationLogic>(
            std::move(*store), &identity, &relationships, std::move(*page_tokens),
            std::move(*signing_key));
        // Over a shared database, one replica at a time consumes.
        consumer = std::make_unique<recommendations::TrustChangeConsumer>(
            logic.get(), &relationships, logic->store().ConsumerLeadership(RandomToken(16)));
        consumer->Start();
        recommendations::RecommendationStore* records = &logic->store();
        parts.ReclaimErasedBytes(&records->admin(), reclaim_period);
        parts.EraseDeletedPeople(
            identity.ChangeLister(), records,
            [&logic](const std::string& id) { return logic->ErasePerson(id); },
            erasure_poll_period);
        handlers.Attach(logic.get());
        parts.Attach(&logic->store().admin());
        parts.runner.SetReady(true);
        Log(LogLevel::kInfo, "storage open",
            {F("storage", postgres ? "postgres" : "rocksdb"), F("data_dir", data_dir)});
        return absl::OkStatus();
      },
      .stop =
          [&] {
            parts.runner.SetReady(false);
            parts.Attach(nullptr);
            parts.deletions.reset();
            parts.StopErasure();
            consumer.reset();
            handlers.Attach(nullptr);
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
