// The bounded pool and transactions against a real PostgreSQL 15: a spent
// pool answers at once, lost connections are replaced once the database is
// back, serialization failures are run again, a failed body rolls back.

#include "storage/postgres/pg_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "absl/time/clock.h"
#include "tests/support/postgres_server.h"

namespace trustsphere::storage::postgres {
namespace {

class PgPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = testing::PostgresServer::Start();
    ASSERT_NE(server_, nullptr);
  }

  PgPoolOptions Options(int connections) const {
    return {.conninfo = server_->ConnInfo(),
            .max_connections = connections,
            .acquire_timeout = absl::Milliseconds(100),
            .connect_timeout = absl::Seconds(5)};
  }

  static absl::Time Soon() { return absl::Now() + absl::Seconds(30); }

  std::unique_ptr<testing::PostgresServer> server_;
};

TEST_F(PgPoolTest, ASpentPoolAnswersResourceExhaustedInsteadOfWaiting) {
  PgPool pool(Options(2));
  ASSERT_TRUE(pool.Check().ok());
  auto first = pool.Acquire(Soon());
  auto second = pool.Acquire(Soon());
  ASSERT_TRUE(first.ok() && second.ok());
  auto third = pool.Acquire(Soon());
  EXPECT_TRUE(absl::IsResourceExhausted(third.status())) << third.status();
  // A caller whose own deadline is nearer is told that instead.
  auto hurried = pool.Acquire(absl::Now() + absl::Milliseconds(20));
  EXPECT_TRUE(absl::IsDeadlineExceeded(hurried.status())) << hurried.status();
  { auto released = std::move(*first); }
  auto again = pool.Acquire(Soon());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE((*again)->Exec("SELECT 1").ok());
  EXPECT_EQ(pool.open(), 2);
}

TEST_F(PgPoolTest, WrongSettingsFailTheCheckAtStart) {
  PgPoolOptions options = Options(2);
  options.conninfo = server_->ConnInfo("nosuch");
  PgPool pool(options);
  absl::Status checked = pool.Check();
  EXPECT_TRUE(absl::IsFailedPrecondition(checked)) << checked;
  EXPECT_EQ(pool.open(), 0);
}

TEST_F(PgPoolTest, ConnectionsLostInARestartAreReplaced) {
  PgPool pool(Options(3));
  {
    // Three idle connections, all to the server about to restart.
    auto a = pool.Acquire(Soon()), b = pool.Acquire(Soon()), c = pool.Acquire(Soon());
    ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  }
  ASSERT_EQ(pool.open(), 3);
  ASSERT_TRUE(server_->Restart());
  absl::Status ran = RunTransaction(
      pool, Soon(), [](PgConnection& connection) { return connection.Exec("SELECT 1").status(); });
  EXPECT_TRUE(ran.ok()) << ran;
}

TEST_F(PgPoolTest, TheDatabaseDownIsUnavailableAndNothingIsHalfWritten) {
  PgPool pool(Options(2));
  ASSERT_TRUE(server_->Psql("CREATE TABLE t (n int)"));
  server_->Stop(/*kill=*/false);
  absl::Status down = RunTransaction(pool, Soon(), [](PgConnection& connection) {
    return connection.Exec("INSERT INTO t VALUES (1)").status();
  });
  EXPECT_TRUE(absl::IsUnavailable(down)) << down;
  EXPECT_EQ(pool.open(), 0);
}

TEST_F(PgPoolTest, AFailedBodyRollsBackAndItsErrorIsReturned) {
  PgPool pool(Options(1));
  ASSERT_TRUE(server_->Psql("CREATE TABLE t (n int)"));
  absl::Status refused = RunTransaction(pool, Soon(), [](PgConnection& connection) {
    absl::Status inserted = connection.Exec("INSERT INTO t VALUES (1)").status();
    if (!inserted.ok()) return inserted;
    return absl::InvalidArgumentError("the caller changed its mind");
  });
  EXPECT_TRUE(absl::IsInvalidArgument(refused)) << refused;
  int64_t rows = -1;
  ASSERT_TRUE(RunTransaction(pool, Soon(), [&](PgConnection& connection) {
                auto counted = connection.Exec("SELECT count(*)::bigint FROM t");
                if (!counted.ok()) return counted.status();
                rows = counted->Int64(0, 0);
                return absl::OkStatus();
              }).ok());
  EXPECT_EQ(rows, 0);
}

// Each transaction reads the highest number and inserts the next: two
// writers at once conflict, and serializable isolation with retries is
// what keeps the numbers a gapless sequence with no duplicate.
TEST_F(PgPoolTest, SerializationFailuresAreRunAgain) {
  PgPool pool(Options(4));
  ASSERT_TRUE(server_->Psql("CREATE TABLE numbers (n bigint)"));
  constexpr int kWriters = 4, kEach = 15;
  std::atomic<int> bodies = 0, failures = 0;
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        absl::Status status = RunTransaction(
            pool, Soon(),
            [&](PgConnection& connection) {
              ++bodies;
              auto top = connection.Exec("SELECT coalesce(max(n), 0)::bigint FROM numbers");
              if (!top.ok()) return top.status();
              return connection
                  .Exec("INSERT INTO numbers VALUES ($1)",
                        {PgParam::Text(std::to_string(top->Int64(0, 0) + 1))})
                  .status();
            },
            /*attempts=*/100);
        if (!status.ok()) ++failures;
      }
    });
  }
  for (auto& writer : writers) writer.join();
  EXPECT_EQ(failures.load(), 0);
  std::set<int64_t> numbers;
  int64_t rows = 0;
  ASSERT_TRUE(RunTransaction(pool, Soon(), [&](PgConnection& connection) {
                auto all = connection.Exec("SELECT n FROM numbers");
                if (!all.ok()) return all.status();
                rows = all->rows();
                for (int r = 0; r < all->rows(); ++r) numbers.insert(all->Int64(r, 0));
                return absl::OkStatus();
              }).ok());
  EXPECT_EQ(rows, kWriters * kEach);
  EXPECT_EQ(numbers.size(), static_cast<size_t>(kWriters * kEach));
  EXPECT_EQ(*numbers.rbegin(), kWriters * kEach);
  // Conflicts happened and were run again (not guaranteed by timing alone,
  // so reported rather than asserted).
  std::cout << "bodies run: " << bodies.load() << " for " << kWriters * kEach << " transactions\n";
}

}  // namespace
}  // namespace trustsphere::storage::postgres
