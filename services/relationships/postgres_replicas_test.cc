// Replicas of relationships on one PostgreSQL database, each with its own
// trust graph: what one commits, the other's graph holds, in the same
// order, whether it learns it from a snapshot, from a write of its own or
// from the change follower, and an idle replica asks the database nothing.

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "services/relationships/graph_trust_store.h"
#include "services/relationships/postgres_trust_reader.h"
#include "services/relationships/postgres_trust_store.h"
#include "services/relationships/trust_store_conformance.h"
#include "storage/postgres/pg_change_follower.h"
#include "tests/support/postgres_server.h"

namespace trustsphere::relationships {
namespace {

using storage::postgres::PgChangeFollower;
using storage::postgres::PgPool;
using storage::postgres::PgPoolOptions;

absl::StatusOr<std::unique_ptr<GraphTrustStore>> ReplicaOn(const std::string& conninfo,
                                                           int max_connections = 16) {
  auto records = PostgresTrustStore::Open(std::make_unique<PgPool>(
      PgPoolOptions{.conninfo = conninfo, .max_connections = max_connections}));
  if (!records.ok()) return records.status();
  return GraphTrustStore::Open(std::move(*records));
}

// The production composition passes the suite too.
absl::StatusOr<std::unique_ptr<TrustStore>> GraphOverPostgres(const std::string&) {
  auto conninfo = testing::FreshDatabase("graph");
  if (!conninfo.ok()) return conninfo.status();
  auto store = ReplicaOn(*conninfo);
  if (!store.ok()) return store.status();
  return std::unique_ptr<TrustStore>(std::move(*store));
}
INSTANTIATE_TEST_SUITE_P(GraphOverPostgres, TrustStoreConformance,
                         ::testing::Values(GraphOverPostgres));

absl::Status Create(TrustStore& store, const std::string& truster, const std::string& trustee,
                    std::optional<v1::TrustStatement> reverse = std::nullopt) {
  return store
      .Apply({{.after = ActiveStatement(truster, trustee),
               .reverse = std::move(reverse),
               .kind = v1::CHANGE_KIND_CREATED}},
             std::nullopt)
      .status();
}

// The sequences a store's hook saw, in the order it saw them.
class HookedSequences {
 public:
  explicit HookedSequences(TrustStore& store) {
    store.SetCommitHook(
        [this](const std::vector<StatementChange>&, absl::Span<const uint64_t> seqs) {
          absl::MutexLock lock(&mu_);
          sequences_.insert(sequences_.end(), seqs.begin(), seqs.end());
        });
  }
  std::vector<uint64_t> get() const {
    absl::MutexLock lock(&mu_);
    return sequences_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<uint64_t> sequences_;
};

std::vector<uint64_t> OneTo(uint64_t last) {
  std::vector<uint64_t> all;
  for (uint64_t sequence = 1; sequence <= last; ++sequence) all.push_back(sequence);
  return all;
}

// What a reader says of a person, from its graph or from SQL.
struct Seen {
  StatementCounts counts;
  std::vector<std::string> references;
  bool operator==(const Seen&) const = default;
};
Seen SeenBy(TrustReader& reader, const std::string& person) {
  Seen seen;
  auto counts = reader.Counts(person);
  EXPECT_TRUE(counts.ok()) << counts.status();
  if (counts.ok()) seen.counts = *counts;
  EXPECT_TRUE(reader
                  .VisitReferences(person,
                                   [&](const ReferenceEdge& edge) {
                                     seen.references.push_back(edge.other);
                                     return true;
                                   })
                  .ok());
  return seen;
}

TEST(PostgresReplicasTest, ASnapshotOnOneReplicaSeesWhatAnotherCommitted) {
  auto conninfo = testing::FreshDatabase("snapshot");
  ASSERT_TRUE(conninfo.ok()) << conninfo.status();
  auto writer = ReplicaOn(*conninfo);
  auto reader = ReplicaOn(*conninfo);
  ASSERT_TRUE(writer.ok() && reader.ok()) << writer.status() << reader.status();
  ASSERT_TRUE(Create(**writer, "alice", "bob").ok());
  ASSERT_TRUE(Create(**writer, "bob", "alice", ActiveStatement("alice", "bob")).ok());

  // No follower: the reader's graph has not heard of the writes...
  EXPECT_EQ((*reader)->CommittedChangeSequence(), 0u);
  EXPECT_EQ(SeenBy(*(*reader)->Latest(), "alice").counts.active, 0);
  // ...until a snapshot holds them: it settles first.
  Seen seen = SeenBy(*(*reader)->Snapshot(), "alice");
  EXPECT_EQ(seen.counts, (StatementCounts{.active = 1, .kept = 1, .unanswered = 0}));
  EXPECT_EQ(seen.references, std::vector<std::string>{"bob"});
  EXPECT_EQ((*reader)->CommittedChangeSequence(), 2u);
  EXPECT_EQ(SeenBy(*(*reader)->Latest(), "alice"), seen);
}

// Eight writers over two replicas: each replica's hook sees every change
// once, in sequence order, and both graphs end equal to what SQL computes
// from the statements.
TEST(PostgresReplicasTest, InterleavedWritesReachBothGraphsInSequenceOrder) {
  auto conninfo = testing::FreshDatabase("interleaved");
  ASSERT_TRUE(conninfo.ok()) << conninfo.status();
  auto one = ReplicaOn(*conninfo);
  auto other = ReplicaOn(*conninfo);
  ASSERT_TRUE(one.ok() && other.ok()) << one.status() << other.status();
  HookedSequences one_saw(**one), other_saw(**other);

  constexpr int kWritersEach = 4, kWrites = 15;
  std::vector<std::thread> writers;
  for (int w = 0; w < 2 * kWritersEach; ++w) {
    GraphTrustStore& store = w % 2 == 0 ? **one : **other;
    writers.emplace_back([&store, w] {
      // Each writer its own truster, each statement answered by the next
      // writer's truster now and then, so that references form.
      for (int i = 0; i < kWrites; ++i) {
        EXPECT_TRUE(Create(store, absl::StrCat("w", w), absl::StrCat("p", i)).ok());
      }
    });
  }
  for (auto& thread : writers) thread.join();
  constexpr uint64_t kTotal = 2 * kWritersEach * kWrites;
  for (int i = 0; i < kWrites; ++i) {
    // p_i answers w0, through the other replica: mutual references.
    ASSERT_TRUE(
        Create(**other, absl::StrCat("p", i), "w0", ActiveStatement("w0", absl::StrCat("p", i)))
            .ok());
  }
  ASSERT_TRUE((*one)->Settle().ok());
  ASSERT_TRUE((*other)->Settle().ok());
  EXPECT_EQ(one_saw.get(), OneTo(kTotal + kWrites));
  EXPECT_EQ(other_saw.get(), OneTo(kTotal + kWrites));

  auto sql = (*one)->wrapped().Latest();
  for (const std::string person : {"w0", "w1", "w6", "p0", "p14"}) {
    const Seen truth = SeenBy(*sql, person);
    EXPECT_EQ(SeenBy(*(*one)->Latest(), person), truth) << person;
    EXPECT_EQ(SeenBy(*(*other)->Latest(), person), truth) << person;
  }
  EXPECT_EQ(SeenBy(*sql, "w0").references.size(), static_cast<size_t>(kWrites));
}

// A snapshot has its connection before it pins the graph. Taken under the
// pin, it waited there for the connection of a write that had committed
// and waited for that pin to hand its change to the graph: each stalled
// until the pool's bound, and the snapshot failed RESOURCE_EXHAUSTED.
TEST(PostgresReplicasTest, SnapshotsAndWritesShareOneConnectionWithoutStalling) {
  auto conninfo = testing::FreshDatabase("spent_pool");
  ASSERT_TRUE(conninfo.ok()) << conninfo.status();
  auto store = ReplicaOn(*conninfo, /*max_connections=*/1);
  ASSERT_TRUE(store.ok()) << store.status();
  std::atomic<bool> writing = true;
  std::atomic<int> reads = 0;
  absl::Mutex mu;
  std::vector<absl::Status> failed;
  std::thread reader([&] {
    while (writing) {
      auto counts = (*store)->Snapshot()->Counts("alice");
      ++reads;
      if (!counts.ok()) {
        absl::MutexLock lock(&mu);
        failed.push_back(counts.status());
      }
    }
  });
  constexpr int kWrites = 200;
  for (int i = 0; i < kWrites; ++i) {
    absl::Status written = Create(**store, "alice", absl::StrCat("p", i));
    if (!written.ok()) {
      absl::MutexLock lock(&mu);
      failed.push_back(written);
    }
  }
  writing = false;
  reader.join();
  absl::MutexLock lock(&mu);
  EXPECT_TRUE(failed.empty()) << failed.size() << " calls failed, the first: " << failed.front();
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(SeenBy(*(*store)->Latest(), "alice").counts.active, kWrites);
}

// With a follower, an idle replica's graph catches up by itself, its
// watchers are told, and while nothing is written it sends no query.
TEST(PostgresReplicasTest, AFollowerKeepsAnIdleReplicaCurrentWithoutPolling) {
  auto conninfo = testing::FreshDatabase("follower");
  ASSERT_TRUE(conninfo.ok()) << conninfo.status();
  auto writer = ReplicaOn(*conninfo);
  auto idle = ReplicaOn(*conninfo);
  ASSERT_TRUE(writer.ok() && idle.ok()) << writer.status() << idle.status();
  std::atomic<int> wakes = 0, catch_ups = 0;
  (*idle)->SetCommittedListener([&] { ++wakes; });
  GraphTrustStore* following = idle->get();
  PgChangeFollower follower({.conninfo = *conninfo, .channel = PostgresTrustStore::kChangeChannel},
                            [&] {
                              ++catch_ups;
                              EXPECT_TRUE(following->Settle().ok());
                            });
  auto within = [](absl::Duration bound, auto done) {
    for (absl::Time end = absl::Now() + bound; absl::Now() < end;) {
      if (done()) return true;
      absl::SleepFor(absl::Milliseconds(5));
    }
    return done();
  };
  ASSERT_TRUE(within(absl::Seconds(10),
                     [&] { return follower.mode() == PgChangeFollower::Mode::kListening; }));

  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Create(**writer, "alice", absl::StrCat("p", i)).ok());
  EXPECT_TRUE(within(absl::Seconds(10), [&] { return following->CommittedChangeSequence() == 5; }));
  EXPECT_EQ(SeenBy(*following->Latest(), "alice").counts.active, 5);
  EXPECT_GT(wakes.load(), 0);

  // Quiet: no notification, no read of the log.
  absl::SleepFor(absl::Milliseconds(300));
  const int before = catch_ups.load();
  absl::SleepFor(absl::Milliseconds(700));
  EXPECT_EQ(catch_ups.load(), before);
}

}  // namespace
}  // namespace trustsphere::relationships
