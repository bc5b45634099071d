// Operator surface of the real servers: AdminService (backups, storage
// figures, build information), and the offline restore path.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <set>

#include "tests/support/child_process.h"
#include "tests/support/deployment.h"
#include "tests/support/identity_client.h"
#include "tests/support/metrics_scrape.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "trustsphere/admin/v1/admin.grpc.pb.h"

namespace trustsphere::testing {
namespace {

using namespace std::chrono_literals;
namespace av1 = ::trustsphere::admin::v1;

std::unique_ptr<ServerProcess> StartIdentity(const std::string& data_dir,
                                             const std::string& key_file) {
  return ServerProcess::Start(
      IDENTITY_SERVER, {"--data_dir=" + data_dir, "--signing_key_file=" + key_file,
                        "--backup_dir=" + data_dir + "-backups", "--password_hash_memory_kib=8192",
                        "--password_hash_passes=1"});
}

TEST(OperationsTest, BackupThenRestoreServesTheSameData) {
  TempDir dir;
  const std::string key = dir.Sub("signing_key.json");
  auto server = StartIdentity(dir.Sub("identity"), key);
  ASSERT_NE(server, nullptr);
  auto identity = identity_v1::IdentityService::NewStub(server->NewChannel());
  auto admin = av1::AdminService::NewStub(server->NewChannel());
  Account jacques = SignUp(*identity, "Jacques", "jacques@example.fr");
  const std::string operator_token = MintToken(TRUSTSPHERE_ADMIN, key, "ops", "operator");

  // Operators only.
  av1::Backup backup;
  EXPECT_EQ(admin->CreateBackup(Context(jacques.token).get(), {}, &backup).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(admin->CreateBackup(Context().get(), {}, &backup).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  std::string service_token = MintToken(TRUSTSPHERE_ADMIN, key, "relationships", "service");
  EXPECT_EQ(admin->CreateBackup(Context(service_token).get(), {}, &backup).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  ASSERT_TRUE(admin->CreateBackup(Context(operator_token).get(), {}, &backup).ok());
  EXPECT_GT(backup.size_bytes(), 0);
  av1::ListBackupsResponse backups;
  ASSERT_TRUE(admin->ListBackups(Context(operator_token).get(), {}, &backups).ok());
  ASSERT_EQ(backups.backups_size(), 1);
  EXPECT_EQ(backups.backups(0).id(), backup.id());

  av1::GetStorageStatsResponse stats;
  ASSERT_TRUE(admin->GetStorageStats(Context(operator_token).get(), {}, &stats).ok());
  std::vector<std::string> families;
  for (const auto& family : stats.families()) families.push_back(family.name());
  EXPECT_THAT(families, ::testing::Contains("persons"));
  av1::BuildInfo build;
  ASSERT_TRUE(admin->GetBuildInfo(Context(operator_token).get(), {}, &build).ok());
  EXPECT_EQ(build.service(), "trustsphere.identity.v1.IdentityService");
  EXPECT_FALSE(build.rocksdb_version().empty());

  // Written after the backup: not in the restored copy.
  SignUp(*identity, "Martin", "martin@example.fr");
  EXPECT_EQ(server->Terminate(), 0);

  ChildProcess restore({TRUSTSPHERE_ADMIN, "restore", "--backup_dir=" + dir.Sub("identity-backups"),
                        "--data_dir=" + dir.Sub("restored")});
  auto restored_status = restore.Wait(60s);
  ASSERT_TRUE(restored_status.has_value());
  EXPECT_EQ(*restored_status, 0);
  // Never over an existing database.
  ChildProcess again({TRUSTSPHERE_ADMIN, "restore", "--backup_dir=" + dir.Sub("identity-backups"),
                      "--data_dir=" + dir.Sub("restored")});
  auto refused = again.Wait(60s);
  ASSERT_TRUE(refused.has_value());
  EXPECT_NE(*refused, 0);

  auto restored = StartIdentity(dir.Sub("restored"), key);
  ASSERT_NE(restored, nullptr);
  identity = identity_v1::IdentityService::NewStub(restored->NewChannel());
  identity_v1::GetPersonRequest get;
  get.set_id(jacques.person.id());
  identity_v1::Person person;
  ASSERT_TRUE(identity->GetPerson(Context(jacques.token).get(), get, &person).ok());
  EXPECT_EQ(person.display_name(), "Jacques");
  identity_v1::AuthenticateRequest login;
  login.set_email("martin@example.fr");
  login.set_password("correct horse Martin");
  identity_v1::AuthenticateResponse session;
  EXPECT_EQ(identity->Authenticate(Context().get(), login, &session).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

double InFlight(const ServerProcess& server, const std::string& service) {
  return Scrape(server)["trustsphere_rpc_in_flight{service=\"" + service + "\"}"];
}

TEST(OperationsTest, MetricsAreScrapedInPrometheusFormat) {
  TempDir dir;
  auto server = ServerProcess::Start(
      IDENTITY_SERVER, {"--data_dir=" + dir.Sub("identity"), "--metrics_listen=127.0.0.1:0",
                        "--password_hash_memory_kib=8192", "--password_hash_passes=1"});
  ASSERT_NE(server, nullptr);
  ASSERT_FALSE(server->metrics_address().empty());
  auto identity = identity_v1::IdentityService::NewStub(server->NewChannel());
  Account jacques = SignUp(*identity, "Jacques", "jacques@example.fr");
  identity_v1::GetPersonRequest missing;
  missing.set_id("prs_nobody");
  identity_v1::Person person;
  identity->GetPerson(Context(jacques.token).get(), missing, &person);

  auto samples = Scrape(*server);
  const std::string service = "service=\"trustsphere.identity.v1.IdentityService\"";
  EXPECT_EQ((samples["trustsphere_rpc_requests_total{" + service +
                     ",method=\"CreatePerson\",code=\"OK\"}"]),
            1);
  EXPECT_EQ((samples["trustsphere_rpc_requests_total{" + service +
                     ",method=\"GetPerson\",code=\"NOT_FOUND\"}"]),
            1);
  EXPECT_EQ(
      (samples["trustsphere_rpc_duration_seconds_count{" + service + ",method=\"Authenticate\"}"]),
      1);
  EXPECT_EQ((samples["trustsphere_rpc_duration_seconds_bucket{" + service +
                     ",method=\"Authenticate\",le=\"+Inf\"}"]),
            1);
  EXPECT_EQ(samples["trustsphere_rpc_in_flight{" + service + "}"], 0);
  EXPECT_GE((samples["trustsphere_rocksdb_estimated_keys{" + service + ",family=\"persons\"}"]), 1);
  bool build_info = false;
  for (const auto& [name, value] : samples) {
    build_info = build_info || (name.rfind("trustsphere_build_info{", 0) == 0 && value == 1);
  }
  EXPECT_TRUE(build_info);
}

// Every kind of call leaves the gauge where it found it: unary calls served
// on gRPC's threads and on the executor, refused ones, client streams
// (imports, accepted and refused), server streams and admin calls.
TEST(OperationsTest, InFlightGaugeReturnsToItsStartAfterEveryKindOfCall) {
  namespace rv1 = ::trustsphere::relationships::v1;
  TempDir dir;
  Deployment deployment(dir);
  ASSERT_TRUE(deployment.ok());
  const std::string identity_service = "trustsphere.identity.v1.IdentityService";
  const std::string relationships_service = "trustsphere.relationships.v1.RelationshipService";
  ServerProcess& identity = deployment.identity_server();
  ServerProcess& relationships = deployment.relationships_server();
  const std::string operator_token = deployment.Token("ops", "operator");
  const double identity_start = InFlight(identity, identity_service);
  const double relationships_start = InFlight(relationships, relationships_service);
  EXPECT_EQ(identity_start, 0);
  EXPECT_EQ(relationships_start, 0);
  auto expect_settled = [&](const char* after) {
    EXPECT_EQ(InFlight(identity, identity_service), identity_start) << after;
    EXPECT_EQ(InFlight(relationships, relationships_service), relationships_start) << after;
  };

  Account jacques = deployment.SignUp("jacques");  // public, then authenticated calls
  Account martin = deployment.SignUp("martin");
  expect_settled("sign-up and login");
  identity_v1::Person person;
  identity_v1::GetPersonRequest get;
  get.set_id(martin.person.id());
  EXPECT_TRUE(deployment.identity().GetPerson(Context(jacques.token).get(), get, &person).ok());
  EXPECT_EQ(deployment.identity().GetPerson(Context().get(), get, &person).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  expect_settled("GetPerson, accepted and refused");

  for (const std::string& token : {operator_token, jacques.token}) {
    identity_v1::ImportPersonsRequest batch;
    identity_v1::ImportedPerson* imported = batch.add_persons();
    imported->mutable_person()->set_id("prs_imported_" + std::to_string(token.size()));
    imported->mutable_person()->set_display_name("Imported");
    imported->mutable_person()->set_email("imported" + std::to_string(token.size()) +
                                          "@example.fr");
    identity_v1::ImportPersonsResponse imported_counts;
    auto context = Context(token);
    auto writer = deployment.identity().ImportPersons(context.get(), &imported_counts);
    writer->Write(batch);
    writer->WritesDone();
    EXPECT_EQ(writer->Finish().ok(), token == operator_token);

    rv1::ImportTrustRequest statements;
    rv1::TrustStatement* statement = statements.add_statements();
    statement->set_truster_id(jacques.person.id());
    statement->set_trustee_id(martin.person.id());
    rv1::ImportTrustResponse trust_counts;
    auto trust_context = Context(token);
    auto trust_writer = deployment.relationships().ImportTrust(trust_context.get(), &trust_counts);
    trust_writer->Write(statements);
    trust_writer->WritesDone();
    EXPECT_EQ(trust_writer->Finish().ok(), token == operator_token);
  }
  expect_settled("imports, accepted and refused");

  rv1::CheckTrustRequest check;
  check.set_truster_id(jacques.person.id());
  check.set_trustee_id(martin.person.id());
  check.mutable_facet()->set_kind(common::v1::FACET_KIND_COMPETENCY);
  check.mutable_facet()->set_key("negotiation");
  rv1::CheckTrustResponse verdict;
  EXPECT_TRUE(
      deployment.relationships().CheckTrust(Context(jacques.token).get(), check, &verdict).ok());
  rv1::PutTrustRequest put;
  put.mutable_statement()->set_trustee_id(jacques.person.id());
  rv1::TrustStatement stored;
  EXPECT_TRUE(deployment.relationships().PutTrust(Context(martin.token).get(), put, &stored).ok());
  expect_settled("a quick read and a write");

  {
    auto context = Context(operator_token);
    auto stream = deployment.relationships().WatchTrustChanges(context.get(),
                                                               rv1::WatchTrustChangesRequest());
    rv1::TrustChange change;
    EXPECT_TRUE(stream->Read(&change));
    context->TryCancel();
    while (stream->Read(&change)) {
    }
    stream->Finish();
  }
  admin::v1::BuildInfo build;
  EXPECT_TRUE(admin::v1::AdminService::NewStub(identity.NewChannel())
                  ->GetBuildInfo(Context(operator_token).get(), {}, &build)
                  .ok());
  expect_settled("a watch stream and an admin call");
}

// Databases (WALs hold emails and password hashes), keys, tokens and backups
// are the servers' own, whatever umask they were started with; a token file
// written readable beforehand is tightened at start.
TEST(OperationsTest, ServersKeepTheirFilesToThemselves) {
  const mode_t previous = umask(022);
  TempDir dir;
  Deployment deployment(dir);  // writes the service tokens 0644 first
  umask(previous);
  ASSERT_TRUE(deployment.ok());
  ASSERT_TRUE(deployment.StartRecommendations());
  deployment.SignUp("jacques");
  admin::v1::Backup backup;
  ASSERT_TRUE(admin::v1::AdminService::NewStub(deployment.relationships_server().NewChannel())
                  ->CreateBackup(Context(deployment.Token("ops", "operator")).get(), {}, &backup)
                  .ok());

  int files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.path())) {
    ++files;
    const auto shared = entry.status().permissions() &
                        (std::filesystem::perms::group_all | std::filesystem::perms::others_all);
    EXPECT_EQ(shared, std::filesystem::perms::none) << entry.path();
  }
  EXPECT_GT(files, 30);  // three databases, a backup, keys and tokens
}

}  // namespace
}  // namespace trustsphere::testing
