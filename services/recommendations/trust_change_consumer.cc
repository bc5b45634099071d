#include "services/recommendations/trust_change_consumer.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <vector>

#include <algorithm>

#include "services/common/core/log.h"

namespace trustsphere::recommendations {

TrustChangeConsumer::TrustChangeConsumer(RecommendationLogic* logic, TrustChanges* changes,
                                         std::unique_ptr<storage::Leadership> leadership)
    : logic_(logic), changes_(changes), leadership_(std::move(leadership)) {}

TrustChangeConsumer::~TrustChangeConsumer() {
  stop_.Notify();
  {
    absl::MutexLock lock(&mu_);
    if (open_stream_ != nullptr) open_stream_->Cancel();
  }
  if (thread_.joinable()) thread_.join();
  // Handed over at once rather than when it expires.
  if (leadership_) leadership_->Release();
}

absl::Status TrustChangeConsumer::Renew(absl::Time& renewed) {
  if (!leadership_ || absl::Now() - renewed < leadership_->ttl() / 3) return absl::OkStatus();
  auto held = leadership_->Hold();
  if (!held.ok()) return held.status();
  if (!*held) return absl::AbortedError("the consumer's lease is another replica's");
  renewed = absl::Now();
  return absl::OkStatus();
}

void TrustChangeConsumer::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void TrustChangeConsumer::Loop() {
  absl::Duration pause = absl::Milliseconds(100);
  while (!stop_.HasBeenNotified()) {
    if (leadership_) {
      // Another replica consumes: try again when its lease may have lapsed.
      auto held = leadership_->Hold();
      if (!held.ok() || !*held) {
        stop_.WaitForNotificationWithTimeout(leadership_->ttl() / 3);
        continue;
      }
    }
    absl::Status ended = FollowOnce();
    if (stop_.HasBeenNotified()) return;
    Log(LogLevel::kWarning, "trust change stream ended; resuming",
        {F("error", ended.ToString()), F("pause_ms", absl::ToInt64Milliseconds(pause))});
    stop_.WaitForNotificationWithTimeout(pause);
    pause = std::min(pause * 2, absl::Seconds(5));
  }
}

absl::Status TrustChangeConsumer::FollowOnce() {
  auto cursor = logic_->TrustCursor();
  if (!cursor.ok()) return cursor.status();
  std::string after = *cursor;
  absl::Time renewed = absl::Now();
  auto stream = changes_->Follow(*cursor);
  if (!stream.ok()) return stream.status();
  {
    absl::MutexLock lock(&mu_);
    if (stop_.HasBeenNotified()) return absl::CancelledError("stopping");
    open_stream_ = stream->get();
  }

  // A reader queues changes as they arrive; this thread applies whatever is
  // queued in one write. Caught up, that is one change per write; behind
  // (after a bulk import or an outage), up to kMaxBatch, so the backlog
  // costs one synced write per batch instead of per change.
  constexpr size_t kMaxBatch = 500;
  std::mutex queue_mu;
  std::condition_variable queue_changed;
  std::deque<relationships::v1::TrustChange> queue;
  bool ended = false;
  bool abandoned = false;
  std::thread reader([&] {
    relationships::v1::TrustChange change;
    while ((*stream)->Read(&change)) {
      std::unique_lock lock(queue_mu);
      queue_changed.wait(lock, [&] { return queue.size() < 4 * kMaxBatch || abandoned; });
      if (abandoned) continue;  // drain until the cancelled stream ends
      queue.push_back(std::move(change));
      queue_changed.notify_all();
    }
    std::lock_guard lock(queue_mu);
    ended = true;
    queue_changed.notify_all();
  });
  // Idle, the lease is still renewed on time.
  const auto idle_wait = std::chrono::microseconds(
      leadership_ ? absl::ToInt64Microseconds(leadership_->ttl() / 3) : int64_t{1000000});
  absl::Status applied;
  while (applied.ok()) {
    applied = Renew(renewed);
    if (!applied.ok()) break;
    std::vector<relationships::v1::TrustChange> batch;
    {
      std::unique_lock lock(queue_mu);
      queue_changed.wait_for(lock, idle_wait, [&] { return !queue.empty() || ended; });
      if (queue.empty()) {
        if (ended) break;  // the stream ended and everything is applied
        continue;
      }
      while (!queue.empty() && batch.size() < kMaxBatch) {
        batch.push_back(std::move(queue.front()));
        queue.pop_front();
      }
      queue_changed.notify_all();
    }
    applied = logic_->ApplyTrustChanges(batch, after);
    if (applied.ok()) after = batch.back().cursor();
  }
  if (!applied.ok()) {
    (*stream)->Cancel();
    std::lock_guard lock(queue_mu);
    abandoned = true;
    queue_changed.notify_all();
  }
  reader.join();
  absl::Status finished = (*stream)->Finish();
  {
    absl::MutexLock lock(&mu_);
    open_stream_ = nullptr;
  }
  if (!applied.ok()) return applied;
  return finished;
}

}  // namespace trustsphere::recommendations
