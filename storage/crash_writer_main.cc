// Test helper for crash_test: writes records with an index entry and a
// change-log entry per batch from several threads, and prints
// "ack <record key>" on standard output after each write is acknowledged.
// The test kills it with SIGKILL and checks every acknowledged write.

#include <cstdio>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "storage/crash_test_layout.h"
#include "storage/engine.h"

int main(int argc, char** argv) {
  using namespace trustsphere::storage;
  if (argc != 3) {
    std::cerr << "usage: storage_crash_writer DB_PATH RUN_NAME\n";
    return 2;
  }
  auto engine = Engine::Open(crash_test::Options(argv[1]));
  if (!engine.ok()) {
    std::cerr << engine.status() << "\n";
    return 1;
  }
  std::mutex out_mu;
  std::vector<std::thread> writers;
  for (int t = 0; t < crash_test::kWriterThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0;; ++i) {
        std::string key = absl::StrCat(argv[2], "/", t, "/", i);
        WriteBatch batch;
        batch.Put(crash_test::kRecords, key, crash_test::ValueFor(key));
        batch.Put(crash_test::kIndex, crash_test::ValueFor(key), key);
        batch.AppendChange(key);
        if (!(*engine)->Write(std::move(batch)).ok()) std::abort();
        std::lock_guard<std::mutex> lock(out_mu);
        std::printf("ack %s\n", key.c_str());
        std::fflush(stdout);
      }
    });
  }
  for (auto& writer : writers) writer.join();
}
