#include "services/common/downstream/signing_key_refresher.h"

#include "absl/time/clock.h"
#include "services/common/core/log.h"

namespace trustsphere {

SigningKeyRefresher::SigningKeyRefresher(IdentityClient* identity, TokenVerifier* verifier,
                                         absl::Duration period)
    : identity_(identity), verifier_(verifier), period_(period) {}

SigningKeyRefresher::~SigningKeyRefresher() {
  stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

absl::Status SigningKeyRefresher::FetchOnce() {
  auto keys = identity_->GetSigningKeys(absl::Now() + absl::Seconds(2));
  if (!keys.ok()) return keys.status();
  if (keys->empty()) return absl::UnavailableError("identity published no EdDSA key");
  verifier_->SetKeys(std::move(*keys));
  return absl::OkStatus();
}

absl::Status SigningKeyRefresher::Start(absl::Duration timeout) {
  absl::Time give_up = absl::Now() + timeout;
  absl::Status fetched = FetchOnce();
  while (!fetched.ok() && absl::Now() < give_up) {
    Log(LogLevel::kWarning, "waiting for identity's signing keys",
        {F("error", fetched.ToString())});
    absl::SleepFor(absl::Milliseconds(500));
    fetched = FetchOnce();
  }
  if (!fetched.ok()) return fetched;
  thread_ = std::thread([this] { Loop(); });
  return absl::OkStatus();
}

void SigningKeyRefresher::Loop() {
  while (!stop_.WaitForNotificationWithTimeout(period_)) {
    if (absl::Status fetched = FetchOnce(); !fetched.ok()) {
      // Keep the keys we have: identity being briefly down must not lock
      // every user out.
      Log(LogLevel::kWarning, "signing key refresh failed", {F("error", fetched.ToString())});
    }
  }
}

}  // namespace trustsphere
