// A disk that fills up under the engine: the failing write gets a clear
// UNAVAILABLE, nothing acknowledged is lost, and writes go through again
// once space returns, without a restart.

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "storage/engine.h"
#include "tests/support/temp_dir.h"

namespace trustsphere::storage {
namespace {

// Every file write fails with "no space" while `full` is set.
class FillableFileSystem : public rocksdb::FileSystemWrapper {
 public:
  FillableFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "FillableFileSystem"; }

  std::atomic<bool> full{false};

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
    if (full) return rocksdb::IOStatus::NoSpace("disk full (injected)");
    rocksdb::IOStatus status = target()->NewWritableFile(name, options, result, debug);
    if (status.ok()) *result = std::make_unique<File>(std::move(*result), &full);
    return status;
  }

 private:
  class File : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> file, const std::atomic<bool>* full)
        : FSWritableFileOwnerWrapper(std::move(file)), full_(full) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* debug) override {
      if (*full_) return rocksdb::IOStatus::NoSpace("disk full (injected)");
      return target()->Append(data, options, debug);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo& info,
                             rocksdb::IODebugContext* debug) override {
      if (*full_) return rocksdb::IOStatus::NoSpace("disk full (injected)");
      return target()->Append(data, options, info, debug);
    }

   private:
    const std::atomic<bool>* full_;
  };
};

TEST(FullDiskTest, WritesFailClearlyKeepWhatWasAcknowledgedAndResumeWhenSpaceReturns) {
  testing::TempDir dir;
  auto file_system = std::make_shared<FillableFileSystem>();
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(file_system);
  EngineOptions options;
  options.path = dir.Sub("db");
  options.families = {"records", "changes"};
  options.change_log = 1;
  options.env = env.get();

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

}  // namespace
}  // namespace trustsphere::storage
