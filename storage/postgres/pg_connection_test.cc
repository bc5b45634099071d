// libpq connections against a real PostgreSQL 15: values in and out, and
// each kind of failure turned into its status, in one line.

#include "storage/postgres/pg_connection.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/postgres_server.h"
#include "tests/support/temp_dir.h"

namespace trustsphere::storage::postgres {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class PgConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = testing::PostgresServer::Start();
    ASSERT_NE(server_, nullptr);
  }

  std::unique_ptr<PgConnection> Connect() {
    auto connection = PgConnection::Connect(server_->ConnInfo(), absl::Seconds(5));
    EXPECT_TRUE(connection.ok()) << connection.status();
    return connection.ok() ? std::move(*connection) : nullptr;
  }

  std::unique_ptr<testing::PostgresServer> server_;
};

TEST_F(PgConnectionTest, BytesTextAndIntegersComeBackAsSent) {
  auto connection = Connect();
  ASSERT_NE(connection, nullptr);
  ASSERT_TRUE(connection->Exec("CREATE TABLE t (k bytea PRIMARY KEY, v text, n bigint)").ok());
  const std::string key("a\0b\xff", 4);
  auto inserted = connection->Exec(
      "INSERT INTO t VALUES ($1, $2, $3)",
      {PgParam::Bytes(key), PgParam::Text("Négociation"), PgParam::Text("-9000000000")});
  ASSERT_TRUE(inserted.ok()) << inserted.status();
  EXPECT_EQ(inserted->RowsAffected(), 1);
  ASSERT_TRUE(connection
                  ->Exec("INSERT INTO t VALUES ($1, $2, $3)",
                         {PgParam::Bytes("z"), PgParam::Null(), PgParam::Text("7")})
                  .ok());

  auto rows = connection->Exec("SELECT k, v, n FROM t ORDER BY k");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->rows(), 2);
  EXPECT_EQ(rows->Value(0, 0), key);
  EXPECT_EQ(rows->Value(0, 1), "Négociation");
  EXPECT_EQ(rows->Int64(0, 2), -9000000000);
  EXPECT_EQ(rows->Value(1, 0), "z");
  EXPECT_TRUE(rows->IsNull(1, 1));
  EXPECT_EQ(rows->Int64(1, 2), 7);
}

TEST_F(PgConnectionTest, WrongSettingsAreRefusedInOneLine) {
  auto no_database = PgConnection::Connect(server_->ConnInfo("nosuch"), absl::Seconds(5));
  EXPECT_TRUE(absl::IsFailedPrecondition(no_database.status())) << no_database.status();
  EXPECT_THAT(no_database.status().message(), HasSubstr("nosuch"));
  EXPECT_THAT(no_database.status().message(), Not(HasSubstr("\n")));

  auto no_role = PgConnection::Connect(server_->ConnInfo() + " user=intruder", absl::Seconds(5));
  EXPECT_TRUE(absl::IsFailedPrecondition(no_role.status())) << no_role.status();
  EXPECT_THAT(no_role.status().message(), HasSubstr("intruder"));

  auto unparsable = PgConnection::Connect("host=/tmp port", absl::Seconds(5));
  EXPECT_TRUE(absl::IsInvalidArgument(unparsable.status())) << unparsable.status();
  EXPECT_THAT(unparsable.status().message(), HasSubstr("connection string"));
}

TEST_F(PgConnectionTest, AMissingPrivilegeIsAFailedPrecondition) {
  ASSERT_TRUE(server_->Psql("CREATE TABLE secrets (v text); CREATE ROLE reader LOGIN"));
  auto reader = PgConnection::Connect(server_->ConnInfo() + " user=reader", absl::Seconds(5));
  ASSERT_TRUE(reader.ok()) << reader.status();
  auto read = (*reader)->Exec("SELECT v FROM secrets");
  EXPECT_TRUE(absl::IsFailedPrecondition(read.status())) << read.status();
  EXPECT_THAT(read.status().message(), HasSubstr("[42501]"));
  // The failure leaves the connection usable.
  EXPECT_TRUE((*reader)->Exec("SELECT 1").ok());
  EXPECT_TRUE((*reader)->reusable());
}

TEST_F(PgConnectionTest, AStatementPastItsTimeoutIsDeadlineExceeded) {
  auto connection = Connect();
  ASSERT_NE(connection, nullptr);
  ASSERT_TRUE(connection->Exec("SET statement_timeout = 50").ok());
  auto slow = connection->Exec("SELECT pg_sleep(10)");
  EXPECT_TRUE(absl::IsDeadlineExceeded(slow.status())) << slow.status();
}

TEST_F(PgConnectionTest, ADatabaseThatIsGoneIsUnavailable) {
  auto connection = Connect();
  ASSERT_NE(connection, nullptr);
  server_->Stop(/*kill=*/false);
  auto after_stop = connection->Exec("SELECT 1");
  EXPECT_TRUE(absl::IsUnavailable(after_stop.status())) << after_stop.status();
  EXPECT_TRUE(connection->broken());

  auto reconnect = PgConnection::Connect(server_->ConnInfo(), absl::Seconds(2));
  EXPECT_TRUE(absl::IsUnavailable(reconnect.status())) << reconnect.status();
  EXPECT_THAT(reconnect.status().message(), Not(HasSubstr("\n")));
}

TEST_F(PgConnectionTest, NoServerAtTheAddressIsUnavailable) {
  testing::TempDir empty;
  auto connection = PgConnection::Connect(
      "host=" + empty.path() + " port=5432 user=trustsphere dbname=postgres", absl::Seconds(2));
  EXPECT_TRUE(absl::IsUnavailable(connection.status())) << connection.status();
}

}  // namespace
}  // namespace trustsphere::storage::postgres
