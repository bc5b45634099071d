#pragma once

// Follows relationships' WatchTrustChanges from the cursor saved in our
// database and applies the changes (RecommendationLogic::ApplyTrustChanges),
// as many as have arrived in one write. Delivery is at least once: changes
// are applied and their cursor saved in one batch, and the stream resumes
// from the saved cursor after any failure or restart of either service,
// with a growing pause between attempts.

#include <memory>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "services/recommendations/recommendation_logic.h"
#include "services/recommendations/trust_sources.h"

namespace trustsphere::recommendations {

class TrustChangeConsumer {
 public:
  TrustChangeConsumer(RecommendationLogic* logic, TrustChanges* changes);
  // Stops following: cancels the open stream and joins the thread.
  ~TrustChangeConsumer();

  void Start();

 private:
  void Loop();
  // Follows one stream until it ends; returns why.
  absl::Status FollowOnce();

  RecommendationLogic* logic_;
  TrustChanges* changes_;
  absl::Notification stop_;
  absl::Mutex mu_;
  TrustChangeStream* open_stream_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::thread thread_;
};

}  // namespace trustsphere::recommendations
