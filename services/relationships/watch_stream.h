#pragma once

// WatchTrustChanges: one server-streaming reactor per watcher. It reads the
// change log after its cursor (never past the committed watermark, so a
// change still in flight is never skipped) and writes the entries one at a
// time. Caught up, it waits to be woken (WatchRegistry::Wake, called each
// time the watermark may have moved), and looks again every kIdleCheck in
// case a wake was lost: a look compares positions in memory and reads the
// log only when it has grown, so an idle stream sends no query. Storage
// reads run on the executor, never on a gRPC thread.

#include <deque>
#include <optional>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/alarm.h"
#include "grpcpp/support/server_callback.h"
#include "services/common/server/executor.h"
#include "services/relationships/trust_store.h"
#include "trustsphere/relationships/v1/relationships.pb.h"

namespace trustsphere::relationships {

class WatchStream;

// The open streams, so that a draining server can end them (clients resume
// from their last cursor) instead of waiting for them to end by themselves.
class WatchRegistry {
 public:
  // false once CloseAll has run: the stream is to end at once.
  bool Add(WatchStream* stream);
  void Remove(WatchStream* stream);
  // Ends every open stream with UNAVAILABLE, and every one opened later.
  void CloseAll();
  // The committed watermark may have moved: the streams that wait look.
  void Wake();
  // Waits until every stream is gone, storage reads included, so that the
  // database may close.
  void WaitUntilEmpty();

 private:
  absl::Mutex mu_;
  absl::flat_hash_set<WatchStream*> streams_ ABSL_GUARDED_BY(mu_);
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
};

class WatchStream final : public grpc::ServerWriteReactor<v1::TrustChange> {
 public:
  static constexpr absl::Duration kIdleCheck = absl::Milliseconds(250);
  static constexpr int kBatch = 128;

  // Starts streaming the changes after sequence `after`.
  WatchStream(const TrustStore* store, Executor* executor, WatchRegistry* registry, uint64_t after);
  ~WatchStream() override;

  // Ends the stream with `status` (after any write in flight).
  void Close(grpc::Status status);
  // Reads the log now if it waits, or once its read or writes are done.
  void Wake();

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  // What to ask of gRPC once mu_ is released: gRPC may run reactions inline,
  // and they take mu_ too.
  struct Action {
    const v1::TrustChange* write = nullptr;
    std::optional<grpc::Status> finish;
    bool cancel_alarm = false;
    bool destroy = false;
  };
  void Run(Action action);

  void SchedulePoll() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SetAlarm() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void OnAlarm(bool ok);
  void Poll();
  Action WriteFrontOrWait() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Action FinishLocked(grpc::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Whether this may be deleted: gRPC is done with it and no poll or alarm
  // is pending.
  bool Deletable() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return done_ && !polling_ && !alarm_set_;
  }

  const TrustStore* store_;
  Executor* executor_;
  WatchRegistry* registry_;
  grpc::Alarm alarm_;

  absl::Mutex mu_;
  uint64_t cursor_ ABSL_GUARDED_BY(mu_);
  std::deque<std::pair<uint64_t, v1::TrustChange>> pending_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool polling_ ABSL_GUARDED_BY(mu_) = false;
  bool alarm_set_ ABSL_GUARDED_BY(mu_) = false;
  // The last read filled a batch: more is waiting, read again at once.
  bool behind_ ABSL_GUARDED_BY(mu_) = false;
  // Woken while reading or writing: read again once done.
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool finish_after_write_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status final_status_ ABSL_GUARDED_BY(mu_);
  bool done_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace trustsphere::relationships
