#include "tests/support/database_contents.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "rocksdb/db.h"
#include "storage/counter_addition.h"
#include "storage/engine.h"

namespace trustsphere::testing {

DatabaseContents ReadDatabase(const std::string& path) {
  DatabaseContents contents;
  std::vector<std::string> names;
  rocksdb::Status status = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names);
  if (!status.ok()) {
    ADD_FAILURE() << path << ": " << status.ToString();
    return contents;
  }
  // Each reading gets its own scratch folder for the secondary's info log.
  static int readings = 0;
  const std::string scratch = std::filesystem::temp_directory_path() /
                              absl::StrCat("secondary-", getpid(), "-", readings++);
  rocksdb::Options options;
  options.max_open_files = -1;  // required of a secondary instance
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  // Counter families hold merge operands: read them with the servers' own
  // addition, so a compaction between two readings changes nothing.
  rocksdb::ColumnFamilyOptions family_options;
  family_options.merge_operator = storage::NewCounterAddition();
  for (const auto& name : names) families.emplace_back(name, family_options);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  status = rocksdb::DB::OpenAsSecondary(options, path, scratch, families, &handles, &raw);
  if (!status.ok()) {
    ADD_FAILURE() << path << ": " << status.ToString();
    return contents;
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::ReadOptions read;
  read.total_order_seek = true;  // the families' prefix filters are not loaded here
  for (size_t i = 0; i < handles.size(); ++i) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(read, handles[i]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      // The health probe's own write stores nothing of the service's.
      if (it->key() == storage::kWritableProbeKey) continue;
      contents[absl::StrCat(names[i], "/", it->key().ToString())] = it->value().ToString();
    }
    EXPECT_TRUE(it->status().ok()) << it->status().ToString();
  }
  for (auto* handle : handles) db->DestroyColumnFamilyHandle(handle);
  db.reset();
  std::filesystem::remove_all(scratch);
  return contents;
}

std::map<std::string, DatabaseContents> SettledDatabases(const std::vector<std::string>& paths,
                                                         std::chrono::milliseconds quiet,
                                                         std::chrono::milliseconds deadline) {
  auto read = [&] {
    std::map<std::string, DatabaseContents> contents;
    for (const auto& path : paths) contents[path] = ReadDatabase(path);
    return contents;
  };
  const auto until = std::chrono::steady_clock::now() + deadline;
  auto previous = read();
  while (std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(quiet);
    auto current = read();
    if (current == previous) return current;
    previous = std::move(current);
  }
  ADD_FAILURE() << "the databases kept changing for " << deadline.count() << " ms";
  return previous;
}

std::string DescribeDifference(const DatabaseContents& before, const DatabaseContents& after) {
  std::string out;
  for (const auto& [key, value] : before) {
    auto found = after.find(key);
    if (found == after.end()) {
      absl::StrAppend(&out, "removed ", absl::CHexEscape(key), "\n");
    } else if (found->second != value) {
      absl::StrAppend(&out, "changed ", absl::CHexEscape(key), "\n");
    }
  }
  for (const auto& [key, value] : after) {
    if (!before.contains(key)) absl::StrAppend(&out, "added ", absl::CHexEscape(key), "\n");
  }
  return out;
}

std::vector<std::string> FilesHolding(const std::string& dir, const std::string& needle) {
  std::vector<std::string> holding;
  std::error_code error;
  for (const auto& file : std::filesystem::recursive_directory_iterator(dir, error)) {
    if (!file.is_regular_file(error)) continue;
    std::ifstream in(file.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.find(needle) != std::string::npos) holding.push_back(file.path().string());
  }
  return holding;
}

}  // namespace trustsphere::testing
