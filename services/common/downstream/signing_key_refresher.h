#pragma once

// Keeps a TokenVerifier's keys in step with identity's published keys
// (GetSigningKeys), polling in the background: a rotated key is accepted,
// and a withdrawn one refused, within one refresh period.

#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "services/common/auth/token_verifier.h"
#include "services/common/downstream/identity_client.h"

namespace trustsphere {

class SigningKeyRefresher {
 public:
  SigningKeyRefresher(IdentityClient* identity, TokenVerifier* verifier, absl::Duration period);
  // Stops the background thread.
  ~SigningKeyRefresher();

  // Fetches the keys now, retrying until `timeout`; UNAVAILABLE if identity
  // never answered. Then starts refreshing in the background.
  absl::Status Start(absl::Duration timeout);

 private:
  absl::Status FetchOnce();
  void Loop();

  IdentityClient* identity_;
  TokenVerifier* verifier_;
  absl::Duration period_;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace trustsphere
