#pragma once

// Follows relationships' WatchTrustChanges from the cursor saved in our
// database and applies the changes (RecommendationLogic::ApplyTrustChanges),
// as many as have arrived in one write. Delivery is at least once: changes
// are applied and their cursor saved in one batch, and the stream resumes
// from the saved cursor after any failure or restart of either service,
// with a growing pause between attempts.
//
// Where replicas share the database, only the holder of the consumer's
// lease (storage::Leadership) follows the stream; it renews the lease
// every third of its time to live, and the others try to take it as
// often, so a dead consumer is replaced within about 4/3 of that time.
// Each batch's cursor moves only from where it was read: a consumer that
// lost its lease while paused writes nothing (ABORTED) and stops.

#include <memory>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "services/recommendations/recommendation_logic.h"
#include "services/recommendations/trust_sources.h"
#include "storage/leadership.h"

namespace trustsphere::recommendations {

class TrustChangeConsumer {
 public:
  // `leadership` null: this is the only consumer.
  TrustChangeConsumer(RecommendationLogic* logic, TrustChanges* changes,
                      std::unique_ptr<storage::Leadership> leadership = nullptr);
  // Stops following: cancels the open stream and joins the thread.
  ~TrustChangeConsumer();

  void Start();

 private:
  void Loop();
  // Follows one stream until it ends; returns why.
  absl::Status FollowOnce();
  // Renews the lease when a third of its time has passed since `renewed`;
  // ABORTED when another replica has it.
  absl::Status Renew(absl::Time& renewed);

  RecommendationLogic* logic_;
  TrustChanges* changes_;
  std::unique_ptr<storage::Leadership> leadership_;
  absl::Notification stop_;
  absl::Mutex mu_;
  TrustChangeStream* open_stream_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::thread thread_;
};

}  // namespace trustsphere::recommendations
