#include "services/relationships/watch_stream.h"

#include "absl/time/clock.h"
#include "services/common/core/log.h"

namespace trustsphere::relationships {

bool WatchRegistry::Add(WatchStream* stream) {
  absl::MutexLock lock(&mu_);
  streams_.insert(stream);
  return !closing_;
}

void WatchRegistry::Remove(WatchStream* stream) {
  absl::MutexLock lock(&mu_);
  streams_.erase(stream);
}

namespace {

grpc::Status ShuttingDown() {
  return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                      "server shutting down; resume from your last cursor");
}

}  // namespace

void WatchRegistry::CloseAll() {
  absl::MutexLock lock(&mu_);
  closing_ = true;
  for (WatchStream* stream : streams_) stream->Close(ShuttingDown());
}

void WatchRegistry::Wake() {
  absl::MutexLock lock(&mu_);
  for (WatchStream* stream : streams_) stream->Wake();
}

void WatchRegistry::WaitUntilEmpty() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](absl::flat_hash_set<WatchStream*>* streams) { return streams->empty(); }, &streams_));
}

WatchStream::WatchStream(const TrustStore* store, Executor* executor, WatchRegistry* registry,
                         uint64_t after)
    : store_(store), executor_(executor), registry_(registry), cursor_(after) {
  // Opened while the server drains: it would outlive the drain.
  if (!registry_->Add(this)) {
    Close(ShuttingDown());
    return;
  }
  absl::MutexLock lock(&mu_);
  // A wake may have come between Add and here.
  if (!polling_) SchedulePoll();
}

// Leaves the registry only once no poll or alarm can touch storage any more.
WatchStream::~WatchStream() { registry_->Remove(this); }

void WatchStream::Run(Action action) {
  if (action.write != nullptr) StartWrite(action.write);
  if (action.cancel_alarm) alarm_.Cancel();
  if (action.finish) Finish(std::move(*action.finish));
  if (action.destroy) delete this;
}

void WatchStream::SchedulePoll() {
  polling_ = true;
  woken_ = false;
  // Overloaded: try again after a pause rather than fail the stream.
  if (!executor_->TrySubmit([this] { Poll(); })) {
    polling_ = false;
    if (!alarm_set_) SetAlarm();
  }
}

void WatchStream::SetAlarm() {
  alarm_set_ = true;
  alarm_.Set(absl::ToChronoTime(absl::Now() + kIdleCheck), [this](bool ok) { OnAlarm(ok); });
}

void WatchStream::Wake() {
  absl::MutexLock lock(&mu_);
  if (finished_) return;
  if (polling_ || writing_ || !pending_.empty()) {
    woken_ = true;
    return;
  }
  // The alarm stays set: it is the fallback should this read be refused.
  SchedulePoll();
}

void WatchStream::OnAlarm(bool ok) {
  Action action;
  {
    absl::MutexLock lock(&mu_);
    alarm_set_ = false;
    if (finished_ || !ok) {
      action.destroy = Deletable();
    } else if (!polling_) {
      SchedulePoll();
    }
  }
  Run(std::move(action));
}

void WatchStream::Poll() {
  uint64_t after;
  {
    absl::MutexLock lock(&mu_);
    after = pending_.empty() ? cursor_ : pending_.back().first;
  }
  // The store reads no further than what has committed in order, so no
  // change still in flight is skipped; nothing past `after` committed, the
  // store is not asked at all.
  auto read = store_->CommittedChangeSequence() > after
                  ? store_->Changes(after, kBatch)
                  : absl::StatusOr<std::vector<TrustChangeEntry>>(std::vector<TrustChangeEntry>());
  absl::Status failed = read.status();

  Action action;
  {
    absl::MutexLock lock(&mu_);
    polling_ = false;
    if (finished_) {
      action.destroy = Deletable();
    } else if (!failed.ok()) {
      Log(LogLevel::kError, "watch read failed", {F("error", failed.ToString())});
      action =
          FinishLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE, "cannot read the change log"));
    } else {
      behind_ = static_cast<int>(read->size()) == kBatch;
      for (auto& entry : *read) {
        entry.change.set_cursor(std::to_string(entry.sequence));
        pending_.emplace_back(entry.sequence, std::move(entry.change));
      }
      action = WriteFrontOrWait();
    }
  }
  Run(std::move(action));
}

WatchStream::Action WatchStream::WriteFrontOrWait() {
  Action action;
  if (writing_) return action;
  if (!pending_.empty()) {
    writing_ = true;
    action.write = &pending_.front().second;
  } else if (!polling_) {
    // Behind (after a bulk write), the backlog is read batch after batch,
    // and a wake missed while busy is answered now; caught up, the stream
    // waits for the next wake.
    if (behind_ || woken_) {
      SchedulePoll();
    } else if (!alarm_set_) {
      SetAlarm();
    }
  }
  return action;
}

void WatchStream::OnWriteDone(bool ok) {
  Action action;
  {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!ok) {
      action = FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "client went away"));
    } else {
      cursor_ = pending_.front().first;
      pending_.pop_front();
      if (finish_after_write_) {
        action = FinishLocked(final_status_);
      } else if (!finished_) {
        action = WriteFrontOrWait();
      }
    }
  }
  Run(std::move(action));
}

void WatchStream::Close(grpc::Status status) {
  Action action;
  {
    absl::MutexLock lock(&mu_);
    action = FinishLocked(std::move(status));
  }
  Run(std::move(action));
}

WatchStream::Action WatchStream::FinishLocked(grpc::Status status) {
  Action action;
  if (finished_) return action;
  if (writing_) {
    finish_after_write_ = true;
    final_status_ = std::move(status);
    return action;
  }
  finished_ = true;
  action.cancel_alarm = alarm_set_;
  action.finish = std::move(status);
  return action;
}

void WatchStream::OnCancel() { Close(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled")); }

void WatchStream::OnDone() {
  Action action;
  {
    absl::MutexLock lock(&mu_);
    done_ = true;
    finished_ = true;
    action.cancel_alarm = alarm_set_;
    action.destroy = Deletable();
  }
  Run(std::move(action));
}

}  // namespace trustsphere::relationships
