#include "services/relationships/graph_trust_store.h"

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "services/relationships/rocksdb_trust_store.h"
#include "services/relationships/trust_store_conformance.h"

namespace trustsphere::relationships {
namespace {

// Over a store that keeps its indexes, so that tests can compare the
// graph's answers with the store's own.
absl::StatusOr<std::unique_ptr<GraphTrustStore>> OpenGraphStore(
    const std::string& folder, const std::string& checkpoint = "",
    TrustIndexes indexes = TrustIndexes::kKept) {
  auto rocksdb = RocksDbTrustStore::Open(folder, /*sync_writes=*/false, indexes);
  if (!rocksdb.ok()) return rocksdb.status();
  return GraphTrustStore::Open(std::move(*rocksdb), checkpoint);
}

INSTANTIATE_TEST_SUITE_P(
    GraphOverRocksDb, TrustStoreConformance,
    ::testing::Values([](const std::string& folder) -> absl::StatusOr<std::unique_ptr<TrustStore>> {
      auto store = OpenGraphStore(folder);
      if (!store.ok()) return store.status();
      return std::unique_ptr<TrustStore>(std::move(*store));
    }));

// As the server runs it: the store writes statements and changes only, and
// every query the suite makes is answered by the graph.
INSTANTIATE_TEST_SUITE_P(
    GraphOverRecordsOnly, TrustStoreConformance,
    ::testing::Values([](const std::string& folder) -> absl::StatusOr<std::unique_ptr<TrustStore>> {
      auto store = OpenGraphStore(folder, "", TrustIndexes::kLeftToTheGraph);
      if (!store.ok()) return store.status();
      return std::unique_ptr<TrustStore>(std::move(*store));
    }));

TEST(GraphTrustStoreTest, IndexesLeftToTheGraphAreNeitherReadNorTrustedAgain) {
  testing::TempDir dir;
  const std::string folder = dir.Sub("db");
  {
    auto store = OpenGraphStore(folder, "", TrustIndexes::kLeftToTheGraph);
    ASSERT_TRUE(store.ok()) << store.status();
    StatementChange change;
    change.after.set_truster_id("ada");
    change.after.set_trustee_id("bob");
    change.after.set_state(v1::TRUST_STATE_ACTIVE);
    change.kind = v1::CHANGE_KIND_CREATED;
    ASSERT_TRUE((*store)->Apply({change}, std::nullopt).ok());
    // The graph answers; the store underneath has no index to answer with.
    EXPECT_EQ((*store)->Latest()->Counts("ada")->active, 1);
    auto plain = (*store)->wrapped().Latest();
    EXPECT_TRUE(absl::IsFailedPrecondition(plain->Counts("ada").status()));
    EXPECT_TRUE(absl::IsFailedPrecondition(plain->Incoming("bob", "", 10, All).status()));
    EXPECT_TRUE(absl::IsFailedPrecondition(plain->Reference("ada", "bob").status()));
    EXPECT_TRUE(plain->Statement("ada", "bob")->has_value());
  }
  // The indexes stopped following the statements: an indexed store would
  // answer from stale ones, so it is refused.
  auto indexed = RocksDbTrustStore::Open(folder, /*sync_writes=*/false);
  EXPECT_TRUE(absl::IsFailedPrecondition(indexed.status())) << indexed.status();
  auto again = OpenGraphStore(folder, "", TrustIndexes::kLeftToTheGraph);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ((*again)->Latest()->Counts("ada")->active, 1);
}

const std::vector<std::string> kFacets = {"negotiation", "rigour", "listening", "accounting"};

// One random change to a pair: a new statement, a narrowing or widening of
// its sphere, a visibility change, an answer, a revocation or an erasure.
StatementChange RandomChange(TrustStore& store, const std::vector<std::string>& people,
                             std::mt19937& random) {
  const std::string& truster = people[random() % people.size()];
  std::string trustee = people[random() % people.size()];
  while (trustee == truster) trustee = people[random() % people.size()];
  auto reader = store.Latest();
  auto stored = *reader->Statements({{truster, trustee}, {trustee, truster}});
  StatementChange change{.before = stored[0], .reverse = stored[1]};
  if (change.before && random() % 10 == 0) {
    change.after = ErasedStatement(truster, trustee);
    change.kind = v1::CHANGE_KIND_ERASED;
    return change;
  }
  v1::TrustStatement after = change.before.value_or(v1::TrustStatement());
  after.set_truster_id(truster);
  after.set_trustee_id(trustee);
  if (change.before && after.state() == v1::TRUST_STATE_ACTIVE && random() % 4 == 0) {
    after.set_state(v1::TRUST_STATE_REVOKED);
    change.kind = v1::CHANGE_KIND_REVOKED;
  } else {
    after.set_state(v1::TRUST_STATE_ACTIVE);
    after.set_visibility(static_cast<v1::Visibility>(1 + random() % 4));
    after.mutable_sphere()->clear_inside();
    after.mutable_sphere()->clear_outside();
    for (const auto& key : kFacets) {
      switch (random() % 3) {
        case 1:
          *after.mutable_sphere()->add_inside() = Competency(key);
          break;
        case 2:
          *after.mutable_sphere()->add_outside() = Competency(key);
          break;
      }
    }
    change.kind = change.before ? v1::CHANGE_KIND_UPDATED : v1::CHANGE_KIND_CREATED;
  }
  after.set_etag(absl::StrCat(random()));
  change.after = std::move(after);
  return change;
}

// Everything each query answers about the people, page by page (pages of
// three, so cursors are followed), as one comparable text.
std::string Answers(TrustReader& reader, const std::vector<std::string>& people) {
  std::string out;
  auto statements = [&](auto list, const std::string& person) {
    std::string cursor;
    do {
      auto page = (reader.*list)(person, cursor, 3, All);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) return;
      for (const auto& statement : page->items) out += statement.ShortDebugString() + "\n";
      cursor = page->next_cursor;
      out += "|";
    } while (!cursor.empty());
  };
  for (const auto& person : people) {
    out += absl::StrCat("# ", person, "\n");
    statements(&TrustReader::Outgoing, person);
    statements(&TrustReader::Incoming, person);
    statements(&TrustReader::Pending, person);
    std::string cursor;
    do {
      auto page = reader.References(person, cursor, 3, AllEdges);
      EXPECT_TRUE(page.ok());
      if (!page.ok()) break;
      for (const auto& edge : page->items) {
        out += absl::StrCat("ref ", edge.other, " ", edge.outgoing, " ", edge.incoming, "\n");
      }
      cursor = page->next_cursor;
    } while (!cursor.empty());
    EXPECT_TRUE(reader
                    .VisitReferences(person,
                                     [&](const ReferenceEdge& edge) {
                                       out += absl::StrCat("visit ", edge.other, "\n");
                                       return true;
                                     })
                    .ok());
    for (const auto& other : people) {
      auto edge = *reader.Reference(person, other);
      if (edge) out += absl::StrCat("edge ", other, " ", edge->outgoing, edge->incoming, "\n");
      auto inside = reader.InsideFacets({{person, other}});
      EXPECT_TRUE(inside.ok());
      for (const auto& facet : inside->front()) {
        out += absl::StrCat("inside ", other, " ", facet.kind(), ":", facet.key(), "\n");
      }
      for (const auto& key : {kFacets[0], kFacets[1], std::string("unheard-of")}) {
        auto judged = *reader.Judge(person, other, Competency(key));
        if (judged) out += absl::StrCat("judge ", other, " ", key, " ", judged->verdict, "\n");
      }
    }
    for (const auto& key : kFacets) {
      EXPECT_TRUE(reader
                      .VisitFacetHolders(person, Competency(key),
                                         [&](const FacetHolder& holder) {
                                           out += absl::StrCat("holds ", key, " ", holder.truster,
                                                               " ", holder.visibility, "\n");
                                           return true;
                                         })
                      .ok());
    }
    auto counts = *reader.Counts(person);
    out += absl::StrCat("counts ", counts.active, " ", counts.kept, " ", counts.unanswered, "\n");
  }
  return out;
}

// Random changes through the graph store; after every few, each query the
// graph answers equals the same query answered by the store's own indexes,
// and so does a graph rebuilt from the store.
TEST(GraphTrustStoreTest, EveryQueryOfTheGraphEqualsTheStoresAfterRandomChanges) {
  testing::TempDir dir;
  auto store = OpenGraphStore(dir.Sub("db"));
  ASSERT_TRUE(store.ok()) << store.status();
  std::vector<std::string> people;
  for (int i = 0; i < 12; ++i) people.push_back(absl::StrCat("person", (i * 7) % 12));
  std::mt19937 random(18);
  for (int step = 1; step <= 600; ++step) {
    std::vector<StatementChange> changes = {RandomChange(**store, people, random)};
    ASSERT_TRUE((*store)->Apply(changes, std::nullopt).ok());
    if (step % 100 != 0) continue;
    const std::string from_store = Answers(*(*store)->wrapped().Snapshot(), people);
    EXPECT_EQ(Answers(*(*store)->Snapshot(), people), from_store) << "step " << step;
    EXPECT_EQ(Answers(*(*store)->Latest(), people), from_store) << "step " << step;
  }
  const std::string before_restart = Answers(*(*store)->Snapshot(), people);
  store->reset();
  auto reopened = OpenGraphStore(dir.Sub("db"));
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ(Answers(*(*reopened)->Snapshot(), people), before_restart);
  EXPECT_EQ((*reopened)->graph().size().people, 12);
}

// A process writing through the graph store is killed with SIGKILL in the
// middle of its writes; the graph rebuilt at the next open answers every
// query as the store's own indexes do.
TEST(GraphTrustStoreTest, TheGraphRebuiltAfterAKillEqualsTheStore) {
  testing::TempDir dir;
  const std::string folder = dir.Sub("db");
  std::vector<std::string> people;
  for (int i = 0; i < 20; ++i) people.push_back(absl::StrCat("p", i));
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(ready[0]);
    auto store = OpenGraphStore(folder);
    if (!store.ok()) _exit(2);
    std::mt19937 random(getpid());
    for (int written = 1;; ++written) {
      std::vector<StatementChange> changes = {RandomChange(**store, people, random)};
      if (!(*store)->Apply(changes, std::nullopt).ok()) _exit(3);
      // After a good deal of writes, the parent may strike at any moment.
      if (written == 300 && write(ready[1], "w", 1) != 1) _exit(4);
    }
  }
  close(ready[1]);
  char byte = 0;
  ASSERT_EQ(read(ready[0], &byte, 1), 1);
  close(ready[0]);
  absl::SleepFor(absl::Milliseconds(100));
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the writer stopped by itself: " << status;

  auto reopened = OpenGraphStore(folder);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_GT((*reopened)->graph().size().statements, 0);
  EXPECT_EQ(Answers(*(*reopened)->Snapshot(), people),
            Answers(*(*reopened)->wrapped().Snapshot(), people));
}

// A checkpoint written at a clean stop serves the next start, and only
// that one; written to since, or damaged, it is set aside and the graph is
// built from the statements. Saving it ends writes.
TEST(GraphTrustStoreTest, ACheckpointServesTheNextStartOnlyIfItMatchesTheStore) {
  testing::TempDir dir;
  const std::string folder = dir.Sub("db");
  const std::string file = dir.Sub("graph.checkpoint");
  std::vector<std::string> people = {"ann", "ben", "cat", "dan", "eve"};
  std::mt19937 random(3);
  auto reopen = [&](bool expect_restored) {
    auto store = OpenGraphStore(folder, file);
    EXPECT_TRUE(store.ok()) << store.status();
    if (!store.ok()) return std::unique_ptr<GraphTrustStore>();
    EXPECT_EQ((*store)->restored(), expect_restored);
    EXPECT_FALSE(std::filesystem::exists(file));
    EXPECT_EQ(Answers(*(*store)->Snapshot(), people),
              Answers(*(*store)->wrapped().Snapshot(), people));
    return std::move(*store);
  };

  auto store = reopen(false);
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(store->Apply({RandomChange(*store, people, random)}, std::nullopt).ok());
  }
  const std::string answers = Answers(*store->Snapshot(), people);
  ASSERT_TRUE(store->SaveCheckpoint(file).ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(
      store->Apply({RandomChange(*store, people, random)}, std::nullopt).status()));
  store.reset();

  store = reopen(true);
  EXPECT_EQ(Answers(*store->Snapshot(), people), answers);
  ASSERT_TRUE(store->Apply({RandomChange(*store, people, random)}, std::nullopt).ok());
  // Stopped without a checkpoint (as by a crash): the next start builds.
  store.reset();
  store = reopen(false);
  ASSERT_TRUE(store->SaveCheckpoint(file).ok());
  store.reset();

  // Written to by something that keeps no graph: stale.
  {
    auto plain = RocksDbTrustStore::Open(folder, /*sync_writes=*/false);
    ASSERT_TRUE(plain.ok());
    ASSERT_TRUE((*plain)->Apply({RandomChange(**plain, people, random)}, std::nullopt).ok());
  }
  store = reopen(false);
  ASSERT_TRUE(store->SaveCheckpoint(file).ok());
  store.reset();

  // A byte changed in the middle.
  {
    std::fstream damaged(file, std::ios::in | std::ios::out | std::ios::binary);
    const auto middle = static_cast<std::streamoff>(std::filesystem::file_size(file) / 2);
    damaged.seekg(middle);
    const char byte = static_cast<char>(damaged.get());
    damaged.seekp(middle);
    damaged.put(static_cast<char>(byte ^ 0xff));
  }
  store = reopen(false);
}

// A snapshot pinned while writes go on keeps answering from its version,
// and the versions it needed are let go when it ends.
TEST(GraphTrustStoreTest, APinnedSnapshotKeepsItsVersionWhileWritesGoOn) {
  testing::TempDir dir;
  auto store = OpenGraphStore(dir.Sub("db"));
  ASSERT_TRUE(store.ok());
  std::vector<std::string> people = {"ann", "ben", "cat", "dan"};
  std::mt19937 random(7);
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE((*store)->Apply({RandomChange(**store, people, random)}, std::nullopt).ok());
  }
  auto pinned = (*store)->Snapshot();
  const std::string then = Answers(*pinned, people);
  const int64_t bytes_before = (*store)->graph().size().bytes;
  std::thread writer([&] {
    for (int i = 0; i < 200; ++i) {
      EXPECT_TRUE((*store)->Apply({RandomChange(**store, people, random)}, std::nullopt).ok());
    }
  });
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Answers(*pinned, people), then);
  writer.join();
  EXPECT_EQ(Answers(*pinned, people), then);
  EXPECT_NE(Answers(*(*store)->Snapshot(), people), then);
  pinned.reset();
  // One more write per person trims what the pin kept.
  for (const auto& person : people) {
    std::vector<std::string> pair = {person, person == "ann" ? "ben" : "ann"};
    ASSERT_TRUE((*store)->Apply({RandomChange(**store, pair, random)}, std::nullopt).ok());
  }
  EXPECT_LE((*store)->graph().size().bytes, bytes_before + 4096);
}

// A store whose commit hook waits for `release`: its writes stay committed
// and readable while the graph has not installed them.
class HeldCommitStore final : public ForwardingTrustStore {
 public:
  HeldCommitStore(std::unique_ptr<TrustStore> store, absl::Notification* release)
      : ForwardingTrustStore(std::move(store)), release_(release) {}
  void SetCommitHook(CommitHook hook) override {
    ForwardingTrustStore::SetCommitHook([this, hook](const std::vector<StatementChange>& changes,
                                                     absl::Span<const uint64_t> sequences) {
      release_->WaitForNotification();
      hook(changes, sequences);
    });
  }

 private:
  absl::Notification* release_;
};

// A snapshot taken between a write's commit and its install in the graph
// waits for the install, so its graph and its statements agree.
TEST(GraphTrustStoreTest, ASnapshotWaitsForTheInstallOfAChangeItHolds) {
  testing::TempDir dir;
  auto rocksdb = RocksDbTrustStore::Open(dir.Sub("db"), /*sync_writes=*/false);
  ASSERT_TRUE(rocksdb.ok());
  RocksDbTrustStore* inner = rocksdb->get();
  absl::Notification release;
  auto store =
      GraphTrustStore::Open(std::make_unique<HeldCommitStore>(std::move(*rocksdb), &release));
  ASSERT_TRUE(store.ok());
  v1::TrustStatement a_to_b;
  a_to_b.set_truster_id("ann");
  a_to_b.set_trustee_id("ben");
  a_to_b.set_state(v1::TRUST_STATE_ACTIVE);
  v1::TrustStatement b_to_a = a_to_b;
  b_to_a.set_truster_id("ben");
  b_to_a.set_trustee_id("ann");
  std::thread writer([&] {
    EXPECT_TRUE((*store)
                    ->Apply({{.after = a_to_b, .kind = v1::CHANGE_KIND_CREATED},
                             {.after = b_to_a, .reverse = a_to_b, .kind = v1::CHANGE_KIND_CREATED}},
                            std::nullopt)
                    .ok());
  });
  // Committed: the store's own reader sees it.
  while (!inner->Latest()->Statement("ann", "ben")->has_value())
    absl::SleepFor(absl::Milliseconds(1));
  std::unique_ptr<TrustReader> snapshot;
  std::thread reader([&] { snapshot = (*store)->Snapshot(); });
  absl::SleepFor(absl::Milliseconds(50));
  release.Notify();
  reader.join();
  writer.join();
  EXPECT_TRUE(snapshot->Statement("ann", "ben")->has_value());
  EXPECT_TRUE(snapshot->Reference("ann", "ben")->has_value());
}

}  // namespace
}  // namespace trustsphere::relationships
