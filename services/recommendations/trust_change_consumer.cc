#include "services/recommendations/trust_change_consumer.h"

#include <algorithm>

#include "services/common/downstream.h"
#include "services/common/log.h"

namespace trustsphere::recommendations {

TrustChangeConsumer::TrustChangeConsumer(RecommendationLogic* logic,
                                         RelationshipsClient* relationships)
    : logic_(logic), relationships_(relationships) {}

TrustChangeConsumer::~TrustChangeConsumer() {
  stop_.Notify();
  {
    absl::MutexLock lock(&mu_);
    if (open_stream_ != nullptr) open_stream_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
}

void TrustChangeConsumer::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void TrustChangeConsumer::Loop() {
  absl::Duration pause = absl::Milliseconds(100);
  while (!stop_.HasBeenNotified()) {
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
  auto token = relationships_->token()->Get();
  if (!token.ok()) return token.status();

  grpc::ClientContext context;  // no deadline: the stream lives until cancelled
  context.AddMetadata("authorization", "Bearer " + *token);
  {
    absl::MutexLock lock(&mu_);
    if (stop_.HasBeenNotified()) return absl::CancelledError("stopping");
    open_stream_ = &context;
  }
  relationships::v1::WatchTrustChangesRequest request;
  request.set_after_cursor(*cursor);
  auto stream = relationships_->stub().WatchTrustChanges(&context, request);
  relationships::v1::TrustChange change;
  absl::Status applied;
  while (applied.ok() && stream->Read(&change)) applied = logic_->ApplyTrustChange(change);
  if (!applied.ok()) context.TryCancel();
  grpc::Status finished = stream->Finish();
  {
    absl::MutexLock lock(&mu_);
    open_stream_ = nullptr;
  }
  if (!applied.ok()) return applied;
  return FromDownstream(finished, "relationships WatchTrustChanges");
}

}  // namespace trustsphere::recommendations
