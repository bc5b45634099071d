#include "storage/engine_log.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/support/temp_dir.h"

namespace trustsphere::storage {
namespace {

std::string Contents(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(EngineLogTest, WritesTimestampedLinesAndRollsPastItsSize) {
  testing::TempDir dir;
  const std::string path = dir.Sub("LOG");
  auto log = NewEngineLog(path, 200);
  rocksdb::Log(rocksdb::InfoLogLevel::INFO_LEVEL, log, "first %d", 1);
  const std::string first = Contents(path);
  // "2026/12/04-01:02:03.456789 first 1\n"
  EXPECT_EQ(first.size(), 27u + 8u) << first;
  EXPECT_EQ(first.substr(27), "first 1\n") << first;
  for (int i = 0; i < 20; ++i) rocksdb::Log(rocksdb::InfoLogLevel::INFO_LEVEL, log, "line %d", i);
  EXPECT_TRUE(std::filesystem::exists(path + ".old"));
  EXPECT_LE(std::filesystem::file_size(path), 200u);
  EXPECT_NE(Contents(path).find("line 19\n"), std::string::npos);
}

TEST(EngineLogTest, AFileThatCannotBeOpenedDropsLinesWithoutFailing) {
  testing::TempDir dir;
  auto log = NewEngineLog(dir.Sub("missing/folder/LOG"), 1 << 20);
  rocksdb::Log(rocksdb::InfoLogLevel::INFO_LEVEL, log, "dropped %s", "line");
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("missing")));
}

}  // namespace
}  // namespace trustsphere::storage
