// Writes whose WAL sync is deferred (WriteBatch::DeferSync): what a power
// cut keeps of them. The "disk after a power cut" is a copy of the database
// folder in which every WAL file is cut back to the bytes synced so far,
// which is what survives when the page cache is lost.

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "storage/engine.h"
#include "tests/support/temp_dir.h"

namespace trustsphere::storage {
namespace {

namespace fs = std::filesystem;

// Remembers how many bytes of each WAL file have been synced.
class SyncTrackingFileSystem : public rocksdb::FileSystemWrapper {
 public:
  SyncTrackingFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "SyncTrackingFileSystem"; }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* debug) override {
    rocksdb::IOStatus status = target()->NewWritableFile(name, options, result, debug);
    if (status.ok() && name.ends_with(".log")) {
      absl::MutexLock lock(&mu_);
      synced_[Key(name)] = 0;
      *result = std::make_unique<Wal>(std::move(*result), this, Key(name));
    }
    return status;
  }

  // WAL syncs so far.
  int syncs() {
    absl::MutexLock lock(&mu_);
    return syncs_;
  }

  // The folder as a power cut would leave it, copied to `image`.
  void CopyAsAfterAPowerCut(const std::string& db, const std::string& image) {
    absl::MutexLock lock(&mu_);
    fs::create_directories(image);
    for (const auto& entry : fs::directory_iterator(db)) {
      const fs::path target = fs::path(image) / entry.path().filename();
      fs::copy_file(entry.path(), target);
      auto wal = synced_.find(Key(entry.path()));
      if (wal != synced_.end()) fs::resize_file(target, wal->second);
    }
  }

 private:
  static std::string Key(const fs::path& file) { return fs::absolute(file).lexically_normal(); }

  class Wal : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    Wal(std::unique_ptr<rocksdb::FSWritableFile> file, SyncTrackingFileSystem* owner,
        std::string name)
        : FSWritableFileOwnerWrapper(std::move(file)), owner_(owner), name_(std::move(name)) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* debug) override {
      written_ += data.size();
      return target()->Append(data, options, debug);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo& info,
                             rocksdb::IODebugContext* debug) override {
      written_ += data.size();
      return target()->Append(data, options, info, debug);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* debug) override {
      return Synced(target()->Sync(options, debug));
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                            rocksdb::IODebugContext* debug) override {
      return Synced(target()->Fsync(options, debug));
    }

   private:
    rocksdb::IOStatus Synced(rocksdb::IOStatus status) {
      if (status.ok()) {
        absl::MutexLock lock(&owner_->mu_);
        owner_->synced_[name_] = written_;
        ++owner_->syncs_;
      }
      return status;
    }

    SyncTrackingFileSystem* owner_;
    std::string name_;
    std::atomic<uint64_t> written_ = 0;
  };

  absl::Mutex mu_;
  std::map<std::string, uint64_t> synced_ ABSL_GUARDED_BY(mu_);
  int syncs_ ABSL_GUARDED_BY(mu_) = 0;
};

class DeferredSyncTest : public ::testing::Test {
 protected:
  std::unique_ptr<Engine> Open(absl::Duration bound, const std::string& path) {
    EngineOptions options;
    options.path = path;
    options.families = {"records"};
    options.env = env_.get();
    options.deferred_sync_bound = bound;
    auto engine = Engine::Open(options);
    EXPECT_TRUE(engine.ok()) << engine.status();
    return engine.ok() ? std::move(*engine) : nullptr;
  }

  static void Put(Engine& engine, const std::string& key, bool defer) {
    WriteBatch batch;
    batch.Put(0, key, "value");
    if (defer) batch.DeferSync();
    ASSERT_TRUE(engine.Write(std::move(batch)).ok());
  }

  // The keys present in the image of the folder after a power cut.
  std::vector<std::string> KeysAfterAPowerCut(const std::string& db) {
    const std::string image = dir_.Sub("image" + std::to_string(++images_));
    file_system_->CopyAsAfterAPowerCut(db, image);
    auto reopened = Open(absl::Hours(1), image);
    std::vector<std::string> keys;
    if (reopened == nullptr) return keys;
    EXPECT_TRUE(reopened
                    ->Scan(0, {},
                           [&](std::string_view key, std::string_view) {
                             keys.emplace_back(key);
                             return true;
                           })
                    .ok());
    return keys;
  }

  testing::TempDir dir_;
  std::shared_ptr<SyncTrackingFileSystem> file_system_ = std::make_shared<SyncTrackingFileSystem>();
  std::unique_ptr<rocksdb::Env> env_ = rocksdb::NewCompositeEnv(file_system_);
  int images_ = 0;
};

TEST_F(DeferredSyncTest, ADeferredWriteIsSyncedWithinTheBound) {
  const std::string db = dir_.Sub("db");
  auto engine = Open(absl::Milliseconds(20), db);
  ASSERT_NE(engine, nullptr);
  Put(*engine, "synced", /*defer=*/false);
  const int syncs = file_system_->syncs();
  Put(*engine, "deferred", /*defer=*/true);
  // The bound is 20 ms; a loaded machine is given far longer.
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (file_system_->syncs() == syncs && absl::Now() < give_up)
    absl::SleepFor(absl::Milliseconds(5));
  EXPECT_EQ(KeysAfterAPowerCut(db), (std::vector<std::string>{"deferred", "synced"}));
}

TEST_F(DeferredSyncTest, UntilItsSyncAPowerCutLosesItAndTheNextSyncedWriteKeepsIt) {
  const std::string db = dir_.Sub("db");
  auto engine = Open(absl::Hours(1), db);
  ASSERT_NE(engine, nullptr);
  Put(*engine, "a-synced", /*defer=*/false);
  Put(*engine, "b-deferred", /*defer=*/true);
  // Acknowledged and readable, not yet on the disk.
  EXPECT_TRUE(engine->Get(0, "b-deferred").ok());
  EXPECT_EQ(KeysAfterAPowerCut(db), (std::vector<std::string>{"a-synced"}));
  // A synced write syncs the WAL, with the deferred record before it.
  Put(*engine, "c-synced", /*defer=*/false);
  EXPECT_EQ(KeysAfterAPowerCut(db),
            (std::vector<std::string>{"a-synced", "b-deferred", "c-synced"}));
}

}  // namespace
}  // namespace trustsphere::storage
