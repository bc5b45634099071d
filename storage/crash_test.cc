// Kills a writer process with SIGKILL at random moments and checks that
// every write it acknowledged, with its index entry and change-log entry,
// is there after reopening.

#include <signal.h>

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "storage/crash_test_layout.h"
#include "storage/key_encoding.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace trustsphere::storage {
namespace {

using namespace std::chrono_literals;

TEST(CrashTest, AcknowledgedWritesSurviveSigkill) {
  testing::TempDir dir;
  const std::string db = dir.Sub("db");
  std::mt19937 random(std::random_device{}());
  std::set<std::string> acknowledged;
  constexpr int kCycles = 4;

  for (int cycle = 0; cycle < kCycles; ++cycle) {
    testing::ChildProcess writer({STORAGE_CRASH_WRITER, db, "run" + std::to_string(cycle)});
    // Let it write for a random while (at least a few acknowledgements).
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(100 + random() % 400);
    int acks_this_cycle = 0;
    while (std::chrono::steady_clock::now() < until || acks_this_cycle < 5) {
      auto line = writer.ReadLine(10s);
      ASSERT_TRUE(line.has_value()) << "writer stopped early in cycle " << cycle;
      ASSERT_EQ(line->rfind("ack ", 0), 0u) << *line;
      acknowledged.insert(line->substr(4));
      ++acks_this_cycle;
    }
    writer.Signal(SIGKILL);
    // Lines printed before the kill were acknowledged too.
    while (auto line = writer.ReadLine(1s)) {
      if (line->rfind("ack ", 0) == 0) acknowledged.insert(line->substr(4));
    }
    ASSERT_TRUE(writer.Wait(10s).has_value());

    auto engine = Engine::Open(crash_test::Options(db));
    ASSERT_TRUE(engine.ok()) << engine.status();
    for (const auto& key : acknowledged) {
      auto value = (*engine)->Get(crash_test::kRecords, key);
      ASSERT_TRUE(value.ok()) << "lost acknowledged write " << key;
      EXPECT_EQ(*value, crash_test::ValueFor(key));
      auto indexed = (*engine)->Get(crash_test::kIndex, crash_test::ValueFor(key));
      ASSERT_TRUE(indexed.ok()) << "lost index entry of " << key;
      EXPECT_EQ(*indexed, key);
    }
    // Every record has its change-log entry: the log names each record once.
    std::set<std::string> logged;
    ASSERT_TRUE((*engine)
                    ->Scan(crash_test::kChanges, {},
                           [&](std::string_view, std::string_view value) {
                             logged.emplace(value);
                             return true;
                           })
                    .ok());
    for (const auto& key : acknowledged) EXPECT_TRUE(logged.count(key)) << key;
  }
  EXPECT_GT(acknowledged.size(), static_cast<size_t>(kCycles * 5));
}

}  // namespace
}  // namespace trustsphere::storage
