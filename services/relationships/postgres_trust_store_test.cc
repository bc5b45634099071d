// The trust store's conformance suite over PostgreSQL 15, and what only a
// shared database asks of it: two replicas writing the two directions of
// one pair, hooks in sequence order, a database that goes away.

#include "services/relationships/postgres_trust_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "services/relationships/trust_store_conformance.h"
#include "tests/support/postgres_server.h"

namespace trustsphere::relationships {
namespace {

absl::StatusOr<std::unique_ptr<PostgresTrustStore>> OpenOn(const std::string& conninfo) {
  return PostgresTrustStore::Open(std::make_unique<storage::postgres::PgPool>(
      storage::postgres::PgPoolOptions{.conninfo = conninfo}));
}

absl::StatusOr<std::unique_ptr<TrustStore>> OpenOnPostgres(const std::string&) {
  auto conninfo = testing::FreshDatabase("relationships");
  if (!conninfo.ok()) return conninfo.status();
  auto store = OpenOn(*conninfo);
  if (!store.ok()) return store.status();
  return std::unique_ptr<TrustStore>(std::move(*store));
}

INSTANTIATE_TEST_SUITE_P(Postgres, TrustStoreConformance, ::testing::Values(OpenOnPostgres));

// Both replicas read "nothing either way" and write one direction each: if
// both were taken, neither statement would count as answered. One of the
// two must be refused, and the refused one must leave nothing behind.
TEST(PostgresTrustStoreTest, TwoReplicasCannotBothWriteAPairFromOneStaleRead) {
  auto conninfo = testing::FreshDatabase("pairs");
  ASSERT_TRUE(conninfo.ok()) << conninfo.status();
  auto first = OpenOn(*conninfo);
  auto second = OpenOn(*conninfo);
  ASSERT_TRUE(first.ok() && second.ok()) << first.status() << second.status();

  constexpr int kPairs = 40;
  std::atomic<int> both_taken = 0, refused = 0;
  std::vector<absl::Status> unexpected;
  absl::Mutex mu;
  auto write = [&](PostgresTrustStore& store, const std::string& truster,
                   const std::string& trustee) {
    auto applied =
        store.Apply({{.after = ActiveStatement(truster, trustee), .kind = v1::CHANGE_KIND_CREATED}},
                    std::nullopt);
    if (absl::IsAborted(applied.status())) ++refused;
    if (!applied.ok() && !absl::IsAborted(applied.status())) {
      absl::MutexLock lock(&mu);
      unexpected.push_back(applied.status());
    }
    return applied.ok();
  };
  for (int i = 0; i < kPairs; ++i) {
    const std::string a = absl::StrCat("a", i), b = absl::StrCat("b", i);
    std::atomic<bool> a_taken = false, b_taken = false;
    std::thread one([&] { a_taken = write(**first, a, b); });
    std::thread other([&] { b_taken = write(**second, b, a); });
    one.join();
    other.join();
    if (a_taken && b_taken) ++both_taken;
    // What is stored adds up, whichever won.
    auto reader = (*first)->Latest();
    auto counts = reader->Counts(a);
    ASSERT_TRUE(counts.ok()) << counts.status();
    EXPECT_EQ(counts->active, a_taken ? 1 : 0);
    EXPECT_EQ(counts->unanswered, a_taken ? 1 : 0);
    EXPECT_EQ(reader->Statement(b, a)->has_value(), b_taken.load());
  }
  EXPECT_EQ(both_taken.load(), 0);
  EXPECT_TRUE(unexpected.empty()) << unexpected.front();
  // Every pair had a loser.
  EXPECT_EQ(refused.load(), kPairs);
}

TEST(PostgresTrustStoreTest, AChangeMadeFromAStaleReadWritesNothing) {
  auto conninfo = testing::FreshDatabase("stale");
  ASSERT_TRUE(conninfo.ok()) << conninfo.status();
  auto store = OpenOn(*conninfo);
  ASSERT_TRUE(store.ok()) << store.status();
  v1::TrustStatement first = ActiveStatement("alice", "bob");
  first.set_etag("e1");
  ASSERT_TRUE(
      (*store)->Apply({{.after = first, .kind = v1::CHANGE_KIND_CREATED}}, std::nullopt).ok());
  const uint64_t head = (*store)->LastChangeSequence();

  // Made as if alice -> bob did not exist yet.
  v1::TrustStatement stale = ActiveStatement("alice", "bob");
  stale.set_etag("e2");
  *stale.mutable_sphere()->add_inside() = Competency("rigour");
  const RequestRecord request{.key = {"alice", "PutTrust", "r1"},
                              .response = stale.SerializeAsString()};
  auto applied = (*store)->Apply({{.after = stale, .kind = v1::CHANGE_KIND_CREATED}}, request);
  EXPECT_TRUE(absl::IsAborted(applied.status())) << applied.status();

  auto kept = (*store)->Latest()->Statement("alice", "bob");
  ASSERT_TRUE(kept.ok() && kept->has_value());
  EXPECT_EQ((*kept)->etag(), "e1");
  int holders = 0;
  ASSERT_TRUE((*store)
                  ->Latest()
                  ->VisitFacetHolders("bob", Competency("rigour"),
                                      [&](const FacetHolder&) { return ++holders, true; })
                  .ok());
  EXPECT_EQ(holders, 0);
  EXPECT_FALSE((*store)->FindRequest(request.key)->has_value());
  EXPECT_EQ((*store)->LastChangeSequence(), head);
  EXPECT_EQ((*store)->CommittedChangeSequence(), head);
  EXPECT_EQ((*store)->Changes(0, 10)->size(), 1u);
}

// Eight writers: the hook sees every sequence once, in order, and the
// committed position never passes a sequence whose hook has not returned.
TEST(PostgresTrustStoreTest, HooksRunInSequenceOrderBeforeTheirChangesCountAsCommitted) {
  auto conninfo = testing::FreshDatabase("hooks");
  ASSERT_TRUE(conninfo.ok()) << conninfo.status();
  auto store = OpenOn(*conninfo);
  ASSERT_TRUE(store.ok()) << store.status();
  std::vector<uint64_t> hooked;
  std::atomic<int> ahead = 0;
  PostgresTrustStore* raw = store->get();
  raw->SetCommitHook([&](const std::vector<StatementChange>&, absl::Span<const uint64_t> seqs) {
    for (uint64_t sequence : seqs) {
      if (raw->CommittedChangeSequence() >= sequence) ++ahead;
      hooked.push_back(sequence);
    }
  });
  constexpr int kWriters = 8, kWrites = 20;
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kWrites; ++i) {
        EXPECT_TRUE(
            raw->Apply({{.after = ActiveStatement(absl::StrCat("w", w), absl::StrCat("t", i)),
                         .kind = v1::CHANGE_KIND_CREATED}},
                       std::nullopt)
                .ok());
      }
    });
  }
  for (auto& writer : writers) writer.join();
  ASSERT_EQ(hooked.size(), static_cast<size_t>(kWriters * kWrites));
  for (size_t i = 0; i < hooked.size(); ++i) EXPECT_EQ(hooked[i], i + 1);
  EXPECT_EQ(ahead.load(), 0);
  EXPECT_EQ(raw->CommittedChangeSequence(), hooked.back());
  EXPECT_EQ(raw->LastChangeSequence(), hooked.back());
}

// The database stops: writes and reads answer UNAVAILABLE and nothing is
// half-written; once it is back, the same store goes on with no restart.
TEST(PostgresTrustStoreTest, ALostDatabaseIsUnavailableAndUsedAgainWhenBack) {
  auto server = testing::PostgresServer::Start();
  ASSERT_NE(server, nullptr);
  auto store = OpenOn(server->ConnInfo());
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE(
      (*store)
          ->Apply({{.after = ActiveStatement("alice", "bob"), .kind = v1::CHANGE_KIND_CREATED}},
                  std::nullopt)
          .ok());
  server->Stop(/*kill=*/false);
  auto refused = (*store)->Apply({{.after = ActiveStatement("bob", "alice"),
                                   .reverse = ActiveStatement("alice", "bob"),
                                   .kind = v1::CHANGE_KIND_CREATED}},
                                 std::nullopt);
  EXPECT_TRUE(absl::IsUnavailable(refused.status())) << refused.status();
  auto read = (*store)->Snapshot()->Statement("alice", "bob");
  EXPECT_TRUE(absl::IsUnavailable(read.status())) << read.status();

  ASSERT_TRUE(server->Restart());
  EXPECT_FALSE((*store)->Latest()->Statement("bob", "alice")->has_value());
  auto applied = (*store)->Apply({{.after = ActiveStatement("bob", "alice"),
                                   .reverse = ActiveStatement("alice", "bob"),
                                   .kind = v1::CHANGE_KIND_CREATED}},
                                 std::nullopt);
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(*applied, 2u);
  EXPECT_TRUE((*store)->Snapshot()->Reference("alice", "bob")->has_value());
}

// Rows written before schema version 2 named no statement: the first open
// after it fills them in, so that erasing an older statement still
// rewrites its history and drops its request record.
TEST(PostgresTrustStoreTest, RowsOfTheFirstSchemaAreTracedAtOpen) {
  auto conninfo = testing::FreshDatabase("traces");
  ASSERT_TRUE(conninfo.ok()) << conninfo.status();
  const RequestKey request{"ada", "PutTrust", "retry-1"};
  {
    auto store = OpenOn(*conninfo);
    ASSERT_TRUE(store.ok()) << store.status();
    v1::TrustStatement first = ActiveStatement("ada", "bea");
    first.set_note("ada's words");
    ASSERT_TRUE(CreateAnswering(**store, first, request).ok());
    ASSERT_TRUE(
        (*store)
            ->Apply({{.after = ActiveStatement("bea", "cid"), .kind = v1::CHANGE_KIND_CREATED}},
                    std::nullopt)
            .ok());
  }
  // As the first schema left them.
  storage::postgres::PgPool pool(storage::postgres::PgPoolOptions{.conninfo = *conninfo});
  for (const char* sql : {"UPDATE relationships_changes SET truster = NULL, trustee = NULL",
                          "UPDATE relationships_requests SET truster = NULL, trustee = NULL",
                          "DELETE FROM relationships_markers"}) {
    ASSERT_TRUE(pool.Query(sql).ok()) << sql;
  }

  auto store = OpenOn(*conninfo);
  ASSERT_TRUE(store.ok()) << store.status();
  auto before = (*store)->Latest()->Statement("ada", "bea");
  ASSERT_TRUE(before.ok() && before->has_value());
  ASSERT_TRUE((*store)
                  ->Apply({{.before = *before,
                            .after = ErasedStatement("ada", "bea"),
                            .kind = v1::CHANGE_KIND_ERASED}},
                          std::nullopt)
                  .ok());
  EXPECT_EQ(*(*store)->FindRequest(request), std::nullopt);
  auto log = (*store)->Changes(0, 10);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 3u);
  EXPECT_EQ((*log)[0].change.kind(), v1::CHANGE_KIND_ERASED);
  EXPECT_EQ((*log)[0].change.statement().note(), "");
  EXPECT_EQ((*log)[1].change.kind(), v1::CHANGE_KIND_CREATED);
  EXPECT_EQ((*log)[2].change.kind(), v1::CHANGE_KIND_ERASED);
}

}  // namespace
}  // namespace trustsphere::relationships
