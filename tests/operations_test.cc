// Operator surface of the real servers: AdminService (backups, storage
// figures, build information), and the offline restore path.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/child_process.h"
#include "tests/support/identity_client.h"
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

}  // namespace
}  // namespace trustsphere::testing
