// Schema migrations at start against a real PostgreSQL 15: run once, one
// replica at a time, a newer schema refused, missing privileges reported.

#include "storage/postgres/pg_schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "tests/support/postgres_server.h"

namespace trustsphere::storage::postgres {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class PgSchemaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = testing::PostgresServer::Start();
    ASSERT_NE(server_, nullptr);
  }

  PgPoolOptions Options(const std::string& conninfo) const {
    return {.conninfo = conninfo, .max_connections = 2};
  }

  // Version 1 makes a table, version 2 adds a row: run twice, either would
  // fail or leave two rows.
  static std::vector<PgMigration> Migrations() {
    return {{.to_version = 1, .statements = {"CREATE TABLE things (n integer)"}},
            {.to_version = 2, .statements = {"INSERT INTO things VALUES (1)"}}};
  }

  int64_t Things(PgPool& pool) {
    auto counted = pool.Query("SELECT count(*)::bigint FROM things");
    EXPECT_TRUE(counted.ok()) << counted.status();
    return counted.ok() ? counted->Int64(0, 0) : -1;
  }

  std::unique_ptr<testing::PostgresServer> server_;
};

TEST_F(PgSchemaTest, MigrationsRunOnceAndTheVersionIsKept) {
  PgPool pool(Options(server_->ConnInfo()));
  EXPECT_EQ(*SchemaVersion(pool, "identity"), 0);
  ASSERT_TRUE(MigrateSchema(pool, "identity", {Migrations()[0]}).ok());
  EXPECT_EQ(*SchemaVersion(pool, "identity"), 1);
  ASSERT_TRUE(MigrateSchema(pool, "identity", Migrations()).ok());
  ASSERT_TRUE(MigrateSchema(pool, "identity", Migrations()).ok());
  EXPECT_EQ(*SchemaVersion(pool, "identity"), 2);
  EXPECT_EQ(Things(pool), 1);
  // Another service's version is its own.
  EXPECT_EQ(*SchemaVersion(pool, "relationships"), 0);
}

TEST_F(PgSchemaTest, ReplicasStartingTogetherMigrateOneAtATime) {
  std::vector<std::unique_ptr<PgPool>> replicas;
  for (int i = 0; i < 4; ++i) {
    replicas.push_back(std::make_unique<PgPool>(Options(server_->ConnInfo())));
  }
  std::vector<absl::Status> results(replicas.size());
  std::vector<std::thread> starts;
  for (size_t i = 0; i < replicas.size(); ++i) {
    starts.emplace_back(
        [&, i] { results[i] = MigrateSchema(*replicas[i], "identity", Migrations()); });
  }
  for (auto& start : starts) start.join();
  for (const auto& result : results) EXPECT_TRUE(result.ok()) << result;
  EXPECT_EQ(Things(*replicas[0]), 1);
}

TEST_F(PgSchemaTest, ASchemaNewerThanTheBuildIsRefused) {
  PgPool pool(Options(server_->ConnInfo()));
  ASSERT_TRUE(MigrateSchema(pool, "identity", Migrations()).ok());
  absl::Status older = MigrateSchema(pool, "identity", {Migrations()[0]});
  EXPECT_TRUE(absl::IsFailedPrecondition(older)) << older;
  EXPECT_THAT(older.message(), HasSubstr("version 2"));
  EXPECT_THAT(older.message(), Not(HasSubstr("\n")));
}

TEST_F(PgSchemaTest, ARoleThatMayNotCreateTablesIsRefusedWithTheReason) {
  // PostgreSQL 15 lets no ordinary role create tables in "public".
  ASSERT_TRUE(
      server_->Psql("CREATE ROLE app LOGIN; CREATE TABLE trustsphere_schema "
                    "(service text PRIMARY KEY, version integer NOT NULL); "
                    "GRANT SELECT, INSERT, UPDATE ON trustsphere_schema TO app"));
  PgPool pool(Options(server_->ConnInfo() + " user=app"));
  absl::Status refused = MigrateSchema(pool, "identity", Migrations());
  EXPECT_TRUE(absl::IsFailedPrecondition(refused)) << refused;
  EXPECT_THAT(refused.message(), HasSubstr("[42501]"));
  EXPECT_THAT(refused.message(), HasSubstr("identity schema version 1"));
  // Nothing of it was recorded.
  PgPool owner(Options(server_->ConnInfo()));
  EXPECT_EQ(*SchemaVersion(owner, "identity"), 0);
}

}  // namespace
}  // namespace trustsphere::storage::postgres
