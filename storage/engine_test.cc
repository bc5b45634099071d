#include "storage/engine.h"

#include <gtest/gtest.h>

#include <thread>

#include "storage/key_encoding.h"
#include "tests/support/temp_dir.h"

namespace trustsphere::storage {
namespace {

constexpr Family kRecords = 0;
constexpr Family kIndex = 1;
constexpr Family kChanges = 2;

EngineOptions TestOptions(const std::string& path) {
  EngineOptions options;
  options.path = path;
  options.families = {"records", "index", "changes"};
  options.change_log = kChanges;
  return options;
}

std::vector<std::string> Keys(Engine& engine, Family family, const ScanRange& range) {
  std::vector<std::string> keys;
  EXPECT_TRUE(engine
                  .Scan(family, range,
                        [&](std::string_view key, std::string_view) {
                          keys.emplace_back(key);
                          return true;
                        })
                  .ok());
  return keys;
}

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Engine::Open(TestOptions(dir_.Sub("db")));
    ASSERT_TRUE(opened.ok()) << opened.status();
    engine_ = std::move(*opened);
  }

  testing::TempDir dir_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(EngineTest, GetAnswersNotFoundForAbsentKeys) {
  EXPECT_TRUE(absl::IsNotFound(engine_->Get(kRecords, "missing").status()));
}

TEST_F(EngineTest, BatchAppliesRecordIndexAndChangeTogether) {
  WriteBatch batch;
  batch.Put(kRecords, "r1", "value");
  batch.Put(kIndex, "i1", "r1");
  batch.AppendChange("created r1");
  auto sequences = engine_->Write(std::move(batch));
  ASSERT_TRUE(sequences.ok()) << sequences.status();
  ASSERT_EQ(sequences->size(), 1u);
  EXPECT_EQ(*engine_->Get(kRecords, "r1"), "value");
  EXPECT_EQ(*engine_->Get(kIndex, "i1"), "r1");
  EXPECT_EQ(*engine_->Get(kChanges, KeyBuilder().U64((*sequences)[0]).Build()), "created r1");
  EXPECT_EQ(engine_->CommittedChangeSequence(), (*sequences)[0]);
}

TEST_F(EngineTest, DeleteRemovesKeys) {
  WriteBatch put;
  put.Put(kRecords, "r1", "v");
  ASSERT_TRUE(engine_->Write(std::move(put)).ok());
  WriteBatch erase;
  erase.Delete(kRecords, "r1");
  ASSERT_TRUE(engine_->Write(std::move(erase)).ok());
  EXPECT_TRUE(absl::IsNotFound(engine_->Get(kRecords, "r1").status()));
}

TEST_F(EngineTest, ScanStaysInsidePrefixAndResumesAfterCursor) {
  WriteBatch batch;
  for (std::string key : {"a/1", "a/2", "a/3", "b/1", "a"}) batch.Put(kIndex, key, "");
  ASSERT_TRUE(engine_->Write(std::move(batch)).ok());

  EXPECT_EQ(Keys(*engine_, kIndex, {.prefix = "a/"}),
            (std::vector<std::string>{"a/1", "a/2", "a/3"}));
  EXPECT_EQ(Keys(*engine_, kIndex, {.prefix = "a/", .start_after = "a/1"}),
            (std::vector<std::string>{"a/2", "a/3"}));
  EXPECT_EQ(Keys(*engine_, kIndex, {.prefix = "a/", .end_before = "a/3"}),
            (std::vector<std::string>{"a/1", "a/2"}));
  EXPECT_EQ(Keys(*engine_, kIndex, {.prefix = "a/", .reverse = true}),
            (std::vector<std::string>{"a/3", "a/2", "a/1"}));
  EXPECT_EQ(Keys(*engine_, kIndex, {.prefix = "a/", .start_after = "a/3", .reverse = true}),
            (std::vector<std::string>{"a/2", "a/1"}));
}

TEST(PrefixedFamilyTest, ScansOfOnePartFindEverythingInFilesAndMemtable) {
  testing::TempDir dir;
  EngineOptions options = TestOptions(dir.Sub("db"));
  options.prefixed_families = {kIndex};
  auto engine = Engine::Open(options);
  ASSERT_TRUE(engine.ok()) << engine.status();
  auto put = [&](const std::string& person, const std::string& other) {
    WriteBatch batch;
    batch.Put(kIndex, KeyBuilder().Str(person).Tail(other).Build(), "");
    ASSERT_TRUE((*engine)->Write(std::move(batch)).ok());
  };
  put("ann", "bob");
  put("ann", "carl");
  put("anna", "dan");
  // A backup flushes the memtable: these entries are now in an SST file
  // with prefix filters, the next ones in the memtable.
  ASSERT_TRUE((*engine)->CreateBackup(dir.Sub("backups")).ok());
  put("ann", "eve");
  put("bo", "fay");

  std::string ann = KeyBuilder().Str("ann").Build();
  EXPECT_EQ(Keys(**engine, kIndex, {.prefix = ann}).size(), 3u);
  EXPECT_EQ(Keys(**engine, kIndex, {.prefix = ann, .reverse = true}).size(), 3u);
  EXPECT_EQ(Keys(**engine, kIndex, {.prefix = ann, .start_after = ann + "bob"}).size(), 2u);
  EXPECT_EQ(Keys(**engine, kIndex, {.prefix = KeyBuilder().Str("anna").Build()}).size(), 1u);
  EXPECT_TRUE(Keys(**engine, kIndex, {.prefix = KeyBuilder().Str("zed").Build()}).empty());
  EXPECT_EQ(Keys(**engine, kIndex, {}).size(), 5u);  // total order still works
  EXPECT_TRUE((*engine)->Get(kIndex, ann + "carl").ok());
}

TEST_F(EngineTest, ScanStopsWhenVisitorSaysSo) {
  WriteBatch batch;
  for (std::string key : {"k1", "k2", "k3"}) batch.Put(kIndex, key, "");
  ASSERT_TRUE(engine_->Write(std::move(batch)).ok());
  int visited = 0;
  ASSERT_TRUE(
      engine_->Scan(kIndex, {}, [&](std::string_view, std::string_view) { return ++visited < 2; })
          .ok());
  EXPECT_EQ(visited, 2);
}

TEST_F(EngineTest, AVisitorsErrorEndsTheScanAndIsReturned) {
  WriteBatch batch;
  for (std::string key : {"k1", "k2", "k3"}) batch.Put(kIndex, key, "");
  ASSERT_TRUE(engine_->Write(std::move(batch)).ok());
  int visited = 0;
  absl::Status scanned =
      engine_->Scan(kIndex, {}, [&](std::string_view key, std::string_view) -> Engine::Visit {
        ++visited;
        if (key == "k2") return absl::DataLossError("k2 is corrupt");
        return true;
      });
  EXPECT_TRUE(absl::IsDataLoss(scanned)) << scanned;
  EXPECT_EQ(scanned.message(), "k2 is corrupt");
  EXPECT_EQ(visited, 2);
}

TEST_F(EngineTest, FindTellsAbsentFromPresent) {
  WriteBatch batch;
  batch.Put(kRecords, "r", "value");
  ASSERT_TRUE(engine_->Write(std::move(batch)).ok());
  EXPECT_EQ(*engine_->Find(kRecords, "r"), std::optional<std::string>("value"));
  EXPECT_EQ(*engine_->Find(kRecords, "missing"), std::nullopt);
}

TEST_F(EngineTest, SnapshotSeesThePastWhileWritesGoOn) {
  WriteBatch first;
  first.Put(kRecords, "r", "old");
  ASSERT_TRUE(engine_->Write(std::move(first)).ok());
  auto snapshot = engine_->TakeSnapshot();
  WriteBatch second;
  second.Put(kRecords, "r", "new");
  second.Put(kRecords, "s", "added");
  ASSERT_TRUE(engine_->Write(std::move(second)).ok());

  EXPECT_EQ(*engine_->Get(kRecords, "r", snapshot.get()), "old");
  EXPECT_TRUE(absl::IsNotFound(engine_->Get(kRecords, "s", snapshot.get()).status()));
  auto values = engine_->MultiGet(kRecords, {"r", "s", "t"}, snapshot.get());
  ASSERT_TRUE(values.ok());
  EXPECT_EQ((*values)[0], "old");
  EXPECT_FALSE((*values)[1].has_value());
  EXPECT_EQ(*engine_->Get(kRecords, "r"), "new");
}

TEST_F(EngineTest, ChangeSequencesIncreaseAcrossThreadsAndReopen) {
  constexpr int kThreads = 4;
  constexpr int kWritesPerThread = 25;
  std::vector<std::thread> writers;
  std::vector<std::vector<uint64_t>> seen(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kWritesPerThread; ++i) {
        WriteBatch batch;
        batch.AppendChange("c");
        auto sequences = engine_->Write(std::move(batch));
        ASSERT_TRUE(sequences.ok());
        seen[t].push_back((*sequences)[0]);
      }
    });
  }
  for (auto& writer : writers) writer.join();
  std::set<uint64_t> all;
  for (const auto& list : seen) all.insert(list.begin(), list.end());
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kWritesPerThread));
  EXPECT_EQ(*all.begin(), 1u);
  EXPECT_EQ(*all.rbegin(), static_cast<uint64_t>(kThreads * kWritesPerThread));
  EXPECT_EQ(engine_->CommittedChangeSequence(), *all.rbegin());

  engine_.reset();
  auto reopened = Engine::Open(TestOptions(dir_.Sub("db")));
  ASSERT_TRUE(reopened.ok());
  WriteBatch batch;
  batch.AppendChange("after reopen");
  EXPECT_EQ((*(*reopened)->Write(std::move(batch)))[0], *all.rbegin() + 1);
}

// The hook of a write runs once it is readable and before the watermark
// passes it; a snapshot lists the changes it holds, in flight or not since.
TEST_F(EngineTest, AWritesHookRunsBeforeTheWatermarkPassesIt) {
  WriteBatch batch;
  batch.Put(kRecords, "r1", "v");
  batch.AppendChange("first");
  batch.AppendChange("second");
  std::vector<uint64_t> seen;
  uint64_t watermark_in_hook = 0;
  bool readable_in_hook = false;
  auto sequences = engine_->Write(std::move(batch), [&](absl::Span<const uint64_t> committed) {
    seen.assign(committed.begin(), committed.end());
    watermark_in_hook = engine_->CommittedChangeSequence();
    readable_in_hook = engine_->Find(kRecords, "r1")->has_value();
  });
  ASSERT_TRUE(sequences.ok());
  EXPECT_EQ(seen, *sequences);
  EXPECT_TRUE(readable_in_hook);
  EXPECT_LT(watermark_in_hook, sequences->front());
  EXPECT_EQ(engine_->CommittedChangeSequence(), sequences->back());

  auto snapshot = engine_->TakeSnapshot();
  WriteBatch later;
  later.AppendChange("third");
  ASSERT_TRUE(engine_->Write(std::move(later)).ok());
  std::vector<uint64_t> held;
  ASSERT_TRUE(engine_
                  ->ScanChanges(sequences->front(), *snapshot,
                                [&](uint64_t sequence, std::string_view) {
                                  held.push_back(sequence);
                                  return true;
                                })
                  .ok());
  EXPECT_EQ(held, std::vector<uint64_t>{sequences->back()});
}

TEST_F(EngineTest, MetaSurvivesReopen) {
  WriteBatch batch;
  batch.PutMeta("secret", "s3cr3t");
  ASSERT_TRUE(engine_->Write(std::move(batch)).ok());
  engine_.reset();
  auto reopened = Engine::Open(TestOptions(dir_.Sub("db")));
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(*(*reopened)->GetMeta("secret"), "s3cr3t");
}

TEST_F(EngineTest, StatsNameEveryFamily) {
  WriteBatch batch;
  for (int i = 0; i < 10; ++i) batch.Put(kRecords, "r" + std::to_string(i), "v");
  ASSERT_TRUE(engine_->Write(std::move(batch)).ok());
  auto stats = engine_->Stats();
  ASSERT_EQ(stats.size(), 3u);
  EXPECT_EQ(stats[kRecords].name, "records");
  EXPECT_EQ(stats[kRecords].estimated_keys, 10u);
  EXPECT_GT(stats[kRecords].memtable_bytes, 0u);
}

TEST_F(EngineTest, OtherSchemaVersionIsRefused) {
  engine_.reset();
  EngineOptions options = TestOptions(dir_.Sub("db"));
  options.schema_version = 2;
  auto reopened = Engine::Open(options);
  EXPECT_TRUE(absl::IsFailedPrecondition(reopened.status())) << reopened.status();
}

TEST_F(EngineTest, AMigrationBringsAnOlderLayoutUpToDateOnce) {
  WriteBatch batch;
  batch.Put(kRecords, "r", "v1 value");
  ASSERT_TRUE(engine_->Write(std::move(batch)).ok());
  engine_.reset();

  int runs = 0;
  EngineOptions options = TestOptions(dir_.Sub("db"));
  options.schema_version = 2;
  options.migrations = {{.from = 1, .run = [&](Engine& engine) {
                           ++runs;
                           auto old = engine.Get(kRecords, "r");
                           if (!old.ok()) return old.status();
                           WriteBatch rewrite;
                           rewrite.Put(kIndex, *old, "");
                           return engine.Write(std::move(rewrite)).status();
                         }}};
  auto migrated = Engine::Open(options);
  ASSERT_TRUE(migrated.ok()) << migrated.status();
  EXPECT_EQ(runs, 1);
  EXPECT_TRUE((*migrated)->Get(kIndex, "v1 value").ok());
  migrated->reset();
  ASSERT_TRUE(Engine::Open(options).ok());
  EXPECT_EQ(runs, 1);  // version 2 now: nothing to migrate

  // A newer layout than the build knows is refused.
  options.schema_version = 1;
  EXPECT_TRUE(absl::IsFailedPrecondition(Engine::Open(options).status()));
}

TEST_F(EngineTest, AFailedMigrationLeavesTheVersionForTheNextStart) {
  engine_.reset();
  EngineOptions options = TestOptions(dir_.Sub("db"));
  options.schema_version = 2;
  options.migrations = {
      {.from = 1, .run = [](Engine&) { return absl::UnavailableError("disk went away"); }}};
  auto failed = Engine::Open(options);
  EXPECT_TRUE(absl::IsUnavailable(failed.status())) << failed.status();
  options.migrations = {{.from = 1, .run = [](Engine&) { return absl::OkStatus(); }}};
  EXPECT_TRUE(Engine::Open(options).ok());
}

TEST(CounterTest, ConcurrentAdditionsNeedNoReadAndSurviveReopen) {
  testing::TempDir dir;
  EngineOptions options = TestOptions(dir.Sub("db"));
  options.counter_families = {kIndex};
  {
    auto engine = Engine::Open(options);
    ASSERT_TRUE(engine.ok()) << engine.status();
    std::vector<std::thread> writers;
    for (int t = 0; t < 4; ++t) {
      writers.emplace_back([&] {
        for (int i = 0; i < 250; ++i) {
          WriteBatch batch;
          batch.AddCounters(kIndex, "person", {1, -2});
          EXPECT_TRUE((*engine)->Write(std::move(batch)).ok());
        }
      });
    }
    for (auto& writer : writers) writer.join();
    EXPECT_EQ(*(*engine)->GetCounters(kIndex, "person", 2), (std::vector<int64_t>{1000, -2000}));
    // Absent counters are zeros; a longer vector extends a shorter one.
    EXPECT_EQ(*(*engine)->GetCounters(kIndex, "nobody", 3), (std::vector<int64_t>{0, 0, 0}));
    WriteBatch longer;
    longer.AddCounters(kIndex, "person", {0, 0, 7});
    ASSERT_TRUE((*engine)->Write(std::move(longer)).ok());
  }
  auto reopened = Engine::Open(options);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(*(*reopened)->GetCounters(kIndex, "person", 3), (std::vector<int64_t>{1000, -2000, 7}));
  WriteBatch reset;
  reset.PutCounters(kIndex, "person", {5});
  ASSERT_TRUE((*reopened)->Write(std::move(reset)).ok());
  EXPECT_EQ(*(*reopened)->GetCounters(kIndex, "person", 2), (std::vector<int64_t>{5, 0}));
}

TEST_F(EngineTest, SecondOpenOfSameFolderIsUnavailable) {
  auto second = Engine::Open(TestOptions(dir_.Sub("db")));
  EXPECT_TRUE(absl::IsUnavailable(second.status())) << second.status();
}

TEST_F(EngineTest, BackupRestoresIntoANewFolder) {
  WriteBatch batch;
  batch.Put(kRecords, "r", "kept");
  batch.AppendChange("c");
  ASSERT_TRUE(engine_->Write(std::move(batch)).ok());
  auto backup = engine_->CreateBackup(dir_.Sub("backups"));
  ASSERT_TRUE(backup.ok()) << backup.status();
  EXPECT_GT(backup->size_bytes, 0u);

  WriteBatch later;
  later.Put(kRecords, "r", "after backup");
  ASSERT_TRUE(engine_->Write(std::move(later)).ok());

  auto listed = engine_->ListBackups(dir_.Sub("backups"));
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, backup->id);

  ASSERT_TRUE(Engine::RestoreLatestBackup(dir_.Sub("backups"), dir_.Sub("restored")).ok());
  auto restored = Engine::Open(TestOptions(dir_.Sub("restored")));
  ASSERT_TRUE(restored.ok()) << restored.status();
  EXPECT_EQ(*(*restored)->Get(kRecords, "r"), "kept");
  EXPECT_EQ((*restored)->CommittedChangeSequence(), 1u);
}

}  // namespace
}  // namespace trustsphere::storage
