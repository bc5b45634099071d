#include "services/common/core/request_ledger.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"

namespace trustsphere {
namespace {

// What a store would keep: the records written with the answers.
class MemoryLog final : public RequestLog {
 public:
  absl::StatusOr<std::optional<RequestRecord>> FindRequest(const RequestKey& key) const override {
    absl::MutexLock lock(&mu_);
    auto it = records_.find(Id(key));
    if (it == records_.end()) return std::nullopt;
    return it->second;
  }
  void Store(const RequestRecord& record) {
    absl::MutexLock lock(&mu_);
    records_[Id(record.key)] = record;
  }

 private:
  static std::string Id(const RequestKey& key) {
    return key.scope + "\n" + key.method + "\n" + key.request_id;
  }
  mutable absl::Mutex mu_;
  std::map<std::string, RequestRecord> records_;
};

TEST(RequestLedgerTest, ConcurrentRetriesWriteOnceAndAllGetTheFirstAnswer) {
  RequestLedger ledger;
  MemoryLog log;
  std::atomic<int> writes = 0;
  std::vector<std::string> answers(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto pending = ledger.Begin(log, {"prs_a", "PutTrust", "retry-1"}, "same content");
      ASSERT_TRUE(pending.ok()) << pending.status();
      if (pending->earlier_response()) {
        answers[i] = *pending->earlier_response();
        return;
      }
      const std::string answer = "answer of thread " + std::to_string(i);
      ++writes;
      log.Store(*pending->Record(answer, absl::Now()));
      answers[i] = answer;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(writes, 1);
  for (const auto& answer : answers) EXPECT_EQ(answer, answers[0]);
}

TEST(RequestLedgerTest, AnIdReusedForOtherContentIsRefused) {
  RequestLedger ledger;
  MemoryLog log;
  {
    auto first = ledger.Begin(log, {"prs_a", "PutTrust", "id"}, "content A");
    ASSERT_TRUE(first.ok());
    log.Store(*first->Record("answer", absl::Now()));
  }
  auto other = ledger.Begin(log, {"prs_a", "PutTrust", "id"}, "content B");
  EXPECT_TRUE(absl::IsInvalidArgument(other.status())) << other.status();
  // Scoped: another caller's id, or another method's, is another request.
  auto stranger = ledger.Begin(log, {"prs_b", "PutTrust", "id"}, "content B");
  ASSERT_TRUE(stranger.ok());
  EXPECT_FALSE(stranger->earlier_response());
}

// Records of releases that fingerprinted the raw request still match it.
TEST(RequestLedgerTest, ARecordOfTheRawRequestStillMatches) {
  RequestLedger ledger;
  MemoryLog log;
  log.Store({.key = {"prs_a", "PutTrust", "id"}, .fingerprint = "raw", .response = "first"});
  {
    auto retried = ledger.Begin(log, {"prs_a", "PutTrust", "id"}, "normalised", "raw");
    ASSERT_TRUE(retried.ok()) << retried.status();
    EXPECT_EQ(retried->earlier_response(), "first");
  }  // the key is held until the request is answered
  EXPECT_TRUE(absl::IsInvalidArgument(
      ledger.Begin(log, {"prs_a", "PutTrust", "id"}, "normalised", "other").status()));
}

TEST(RequestLedgerTest, RequestsWithoutAnIdNeitherWaitNorRecord) {
  RequestLedger ledger;
  MemoryLog log;
  auto held = ledger.Begin(log, {"prs_a", "PutTrust", ""}, "x");
  ASSERT_TRUE(held.ok());
  EXPECT_FALSE(held->Record("answer", absl::Now()));
  absl::Notification done;
  std::thread other([&] {
    EXPECT_TRUE(ledger.Begin(log, {"prs_a", "PutTrust", ""}, "x").ok());
    done.Notify();
  });
  EXPECT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(30)));
  other.join();
}

}  // namespace
}  // namespace trustsphere
