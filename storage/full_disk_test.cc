// A disk that fills up or turns read-only under the engine: the failing
// write gets a clear UNAVAILABLE, nothing acknowledged is lost, the
// writability probe says so, and writes go through again once the disk
// is back, without a restart.

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "storage/engine.h"
#include "tests/support/temp_dir.h"

namespace trustsphere::storage {
namespace {

// Every file write fails with "no space" while `full` is set, and with a
// read-only file system's error (EROFS, as after a remount) while
// `read_only` is.
class FillableFileSystem : public rocksdb::FileSystemWrapper {
 public:
  FillableFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "FillableFileSystem"; }

  std::atomic<bool> full{false};
  std::atomic<bool> read_only{false};

  // RocksDB's recovery waits for free space before flushing again.
  rocksdb::IOStatus GetFreeSpace(const std::string& path, const rocksdb::IOOptions& options,
                                 uint64_t* free, rocksdb::IODebugContext* debug) override {
    if (full) {
      *free = 0;
      return rocksdb::IOStatus::OK();
    }
    return target()->GetFreeSpace(path, options, free, debug);
  }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* debug) override {
    if (auto fault = Fault(); !fault.ok()) return fault;
    rocksdb::IOStatus status = target()->NewWritableFile(name, options, result, debug);
    if (status.ok()) *result = std::make_unique<File>(std::move(*result), this);
    return status;
  }

 private:
  rocksdb::IOStatus Fault() const {
    if (full) return rocksdb::IOStatus::NoSpace("disk full (injected)");
    if (read_only) return rocksdb::IOStatus::IOError("Read-only file system (injected)");
    return rocksdb::IOStatus::OK();
  }

  class File : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> file, const FillableFileSystem* disk)
        : FSWritableFileOwnerWrapper(std::move(file)), disk_(disk) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* debug) override {
      if (auto fault = disk_->Fault(); !fault.ok()) return fault;
      return target()->Append(data, options, debug);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo& info,
                             rocksdb::IODebugContext* debug) override {
      if (auto fault = disk_->Fault(); !fault.ok()) return fault;
      return target()->Append(data, options, info, debug);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* debug) override {
      if (auto fault = disk_->Fault(); !fault.ok()) return fault;
      return target()->Sync(options, debug);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                            rocksdb::IODebugContext* debug) override {
      if (auto fault = disk_->Fault(); !fault.ok()) return fault;
      return target()->Fsync(options, debug);
    }

   private:
    const FillableFileSystem* disk_;
  };
};

EngineOptions OptionsOver(const std::string& path, rocksdb::Env* env) {
  EngineOptions options;
  options.path = path;
  options.families = {"records", "changes"};
  options.change_log = 1;
  options.env = env;
  return options;
}

TEST(FullDiskTest, WritesFailClearlyKeepWhatWasAcknowledgedAndResumeWhenSpaceReturns) {
  testing::TempDir dir;
  auto file_system = std::make_shared<FillableFileSystem>();
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(file_system);
  const EngineOptions options = OptionsOver(dir.Sub("db"), env.get());

  {
    auto engine = Engine::Open(options);
    ASSERT_TRUE(engine.ok()) << engine.status();
    WriteBatch before;
    before.Put(0, "acknowledged", "1");
    before.AppendChange("first");
    ASSERT_TRUE((*engine)->Write(std::move(before)).ok());

    file_system->full = true;
    for (int attempt = 0; attempt < 3; ++attempt) {
      WriteBatch refused;
      refused.Put(0, "refused", "1");
      refused.AppendChange("refused");
      auto written = (*engine)->Write(std::move(refused));
      ASSERT_FALSE(written.ok());
      EXPECT_TRUE(absl::IsUnavailable(written.status())) << written.status();
      EXPECT_NE(written.status().message().find("No space"), std::string::npos) << written.status();
    }
    // Reads go on while the disk is full.
    EXPECT_EQ((*engine)->Get(0, "acknowledged").value_or(""), "1");
    EXPECT_TRUE(absl::IsNotFound((*engine)->Get(0, "refused").status()));

    // Space returns: once RocksDB's recovery sees it (it polls every few
    // seconds) writes are accepted again, by the same engine.
    file_system->full = false;
    absl::StatusOr<std::vector<uint64_t>> written;
    for (int attempt = 0; attempt < 600; ++attempt) {
      WriteBatch after;
      after.Put(0, "after", "1");
      after.AppendChange("after");
      written = (*engine)->Write(std::move(after));
      if (written.ok()) break;
      EXPECT_TRUE(absl::IsUnavailable(written.status())) << written.status();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_TRUE(written.ok()) << written.status();
  }

  // Reopened: what was acknowledged is there, the refused write is not.
  auto engine = Engine::Open(options);
  ASSERT_TRUE(engine.ok()) << engine.status();
  EXPECT_EQ((*engine)->Get(0, "acknowledged").value_or(""), "1");
  EXPECT_EQ((*engine)->Get(0, "after").value_or(""), "1");
  EXPECT_TRUE(absl::IsNotFound((*engine)->Get(0, "refused").status()));
}

// What the health probe asks: NOT writable while the disk is full or
// read-only (and writes fail too). Space that returns heals the same
// engine, since RocksDB resumes by itself or when asked. A write that the
// disk refused as read-only stops RocksDB for good (its error is fatal:
// Resume refuses), so the probe goes on failing until the database is
// reopened, which is the restart the liveness probe asks for.
TEST(FullDiskTest, TheWritabilityProbeFollowsAFullOrReadOnlyDisk) {
  for (const bool read_only : {false, true}) {
    SCOPED_TRACE(read_only ? "read-only" : "full");
    testing::TempDir dir;
    auto file_system = std::make_shared<FillableFileSystem>();
    std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(file_system);
    const EngineOptions options = OptionsOver(dir.Sub("db"), env.get());
    auto engine = Engine::Open(options);
    ASSERT_TRUE(engine.ok()) << engine.status();
    EXPECT_TRUE((*engine)->CheckWritable().ok());

    (read_only ? file_system->read_only : file_system->full) = true;
    absl::Status probed = (*engine)->CheckWritable();
    EXPECT_TRUE(absl::IsUnavailable(probed)) << probed;
    EXPECT_NE(probed.message().find("cannot take writes"), std::string::npos) << probed;
    WriteBatch refused;
    refused.Put(0, "refused", "1");
    EXPECT_FALSE((*engine)->Write(std::move(refused)).ok());

    file_system->full = false;
    file_system->read_only = false;
    // RocksDB polls for free space every few seconds.
    for (int attempt = 0; attempt < (read_only ? 20 : 600) && !probed.ok(); ++attempt) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      probed = (*engine)->CheckWritable();
    }
    if (read_only) {
      EXPECT_TRUE(absl::IsUnavailable(probed)) << probed;
      engine->reset();
      engine = Engine::Open(options);
      ASSERT_TRUE(engine.ok()) << engine.status();
      probed = (*engine)->CheckWritable();
    }
    EXPECT_TRUE(probed.ok()) << probed;
    WriteBatch after;
    after.Put(0, "after", "1");
    EXPECT_TRUE((*engine)->Write(std::move(after)).ok());
    EXPECT_TRUE(absl::IsNotFound((*engine)->Get(0, "refused").status()));
  }
}

}  // namespace
}  // namespace trustsphere::storage
