// identity_server: people, credentials, positions, tags and token signing.

#include <memory>

#include "absl/flags/flag.h"
#include "services/common/core/log.h"
#include "services/common/server/periodic_task.h"
#include "services/common/server/server_main.h"
#include "services/common/server/server_parts.h"
#include "services/identity/identity_handlers.h"
#include "services/identity/postgres_identity_store.h"
#include "services/identity/rocksdb_identity_store.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051", "Address to serve on; port 0 picks one.");
ABSL_FLAG(std::string, signing_key_file, "",
          "Ed25519 key file that signs access tokens; created when absent. Default: "
          "<data_dir>/signing_key.json.");
ABSL_FLAG(absl::Duration, access_token_ttl, absl::Minutes(15), "Lifetime of access tokens.");
ABSL_FLAG(absl::Duration, session_idle_ttl, absl::Hours(24 * 30),
          "A session's refresh token stops working when unused this long.");
ABSL_FLAG(absl::Duration, session_max_ttl, absl::Hours(24 * 90),
          "A session's refresh token stops working this long after the login, used or not.");
ABSL_FLAG(absl::Duration, session_sweep_period, absl::Hours(1),
          "How often expired sessions are removed (those of people who never log in again).");
ABSL_FLAG(int32_t, password_hash_memory_kib, 65536,
          "Argon2id memory per password hash, in KiB (libsodium interactive: 65536).");
ABSL_FLAG(int32_t, password_hash_passes, 2, "Argon2id passes per password hash.");

int main(int argc, char** argv) {
  using namespace trustsphere;
  InitServerProcess(argc, argv, "identity_server --data_dir=PATH [--listen=HOST:PORT]");
  const std::string data_dir = RequiredDataDir();
  const std::string key_file =
      PathOrDefault(absl::GetFlag(FLAGS_signing_key_file), data_dir, "signing_key.json");
  const bool sync_writes = SyncWritesFromFlags();
  const auto postgres = PostgresFromFlags();
  const absl::Duration reclaim_period = ErasureReclaimPeriodFromFlags();

  identity::IdentityOptions options;
  options.access_token_ttl = absl::GetFlag(FLAGS_access_token_ttl);
  options.session_idle_ttl = absl::GetFlag(FLAGS_session_idle_ttl);
  options.session_max_ttl = absl::GetFlag(FLAGS_session_max_ttl);
  const absl::Duration sweep_period = absl::GetFlag(FLAGS_session_sweep_period);
  if (options.session_idle_ttl <= absl::ZeroDuration() ||
      options.session_max_ttl <= absl::ZeroDuration() || sweep_period <= absl::ZeroDuration()) {
    Log(LogLevel::kError,
        "--session_idle_ttl, --session_max_ttl and --session_sweep_period must be positive");
    return 2;
  }
  options.password_cost.memory_bytes =
      static_cast<size_t>(absl::GetFlag(FLAGS_password_hash_memory_kib)) * 1024;
  options.password_cost.passes = static_cast<uint64_t>(absl::GetFlag(FLAGS_password_hash_passes));

  ServerParts parts("trustsphere.identity.v1.IdentityService", data_dir);
  identity::IdentityHandlers handlers(&parts.runner);
  std::unique_ptr<identity::IdentityLogic> logic;
  std::unique_ptr<PeriodicTask> session_sweeper;

  const int exit_code = RunServer({
      .name = "trustsphere.identity.v1.IdentityService",
      .listen = absl::GetFlag(FLAGS_listen),
      .services = {handlers.Registered(), parts.admin.Registered()},
      .metrics = &parts.metrics,
      .start = [&]() -> absl::Status {
        auto key = LoadOrCreateSigningKey(key_file);
        if (!key.ok()) return key.status();
        absl::StatusOr<std::unique_ptr<identity::IdentityStore>> store;
        if (postgres) {
          store = identity::PostgresIdentityStore::Open(
              std::make_unique<storage::postgres::PgPool>(*postgres));
        } else {
          store = identity::RocksDbIdentityStore::Open(data_dir + "/db", sync_writes);
        }
        if (!store.ok()) return store.status();
        auto page_tokens = PageTokenCodecFor(**store);
        if (!page_tokens.ok()) return page_tokens.status();
        // Identity verifies the tokens it signs with its own public key.
        parts.verifier.SetKeys({{key->key_id, key->public_key}});
        logic = std::make_unique<identity::IdentityLogic>(std::move(*store), *key,
                                                          std::move(*page_tokens), options);
        // People stored before search existed are indexed before serving.
        if (auto indexed = logic->IndexForSearch(); !indexed.ok()) return indexed.status();
        // Its own change log, as the other services read it.
        if (absl::Status followed = parts.FollowDeletions(
                [&logic](const std::string& cursor, int page_size, absl::Time deadline) {
                  identity::v1::ListIdentityChangesRequest request;
                  request.set_after_cursor(cursor);
                  request.set_page_size(page_size);
                  const Caller self{.person_id = "identity",
                                    .roles = static_cast<uint32_t>(Role::kService),
                                    .deadline = deadline};
                  return logic->ListIdentityChanges(self, request);
                },
                absl::Seconds(10));
            !followed.ok()) {
          return followed;
        }
        session_sweeper = std::make_unique<PeriodicTask>(
            "drop expired sessions", sweep_period,
            [&logic]() { return logic->DropExpiredSessions().status(); });
        parts.ReclaimErasedBytes(&logic->store().admin(), reclaim_period);
        logic->OnPersonDeleted([&parts] { parts.ReclaimDue(); });
        handlers.Attach(logic.get());
        parts.Attach(&logic->store().admin());
        parts.runner.SetReady(true);
        Log(LogLevel::kInfo, "storage open",
            {F("storage", postgres ? "postgres" : "rocksdb"), F("data_dir", data_dir),
             F("key_id", key->key_id)});
        return absl::OkStatus();
      },
      .stop =
          [&] {
            parts.runner.SetReady(false);
            parts.Attach(nullptr);
            parts.deletions.reset();
            parts.StopErasure();
            session_sweeper.reset();
            logic.reset();
          },
      .writable = [&] { return logic->store().admin().CheckWritable(); },
      // Reopening embedded RocksDB may clear an error; restarting every
      // replica brings no shared database back.
      .restart_heals_unwritable = !postgres,
  });
  // Its poller calls the identity client or the logic, locals destroyed before it;
  // the reclaimer uses the logic's storage.
  parts.deletions.reset();
  parts.StopErasure();
  session_sweeper.reset();
  return exit_code;
}
