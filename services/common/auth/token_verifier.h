#pragma once

// Verifies bearer tokens for every RPC of a service. A signature check costs
// about 100 µs, more than a cheap RPC, so verified tokens are cached until
// they expire. Thread-safe.

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/auth/access_token.h"
#include "services/common/core/caller.h"

namespace grpc {
class CallbackServerContext;
}

namespace trustsphere {

class TokenVerifier {
 public:
  // Replaces the accepted keys (identity publishes them; they rotate).
  // Clears the cache: a token of a withdrawn key must stop working.
  void SetKeys(PublicKeySet keys);

  // The caller behind an "authorization: Bearer <token>" metadata value.
  // UNAUTHENTICATED when missing, malformed, forged or expired.
  absl::StatusOr<Caller> Verify(absl::string_view authorization) const;

  // Verify() on the call's "authorization" metadata; with service
  // certificates required, a service's token is accepted only on a
  // connection whose verified client certificate names the token's
  // subject (UNAUTHENTICATED without one, PERMISSION_DENIED when it names
  // another).
  absl::StatusOr<Caller> CallerOf(const grpc::CallbackServerContext& context) const;
  // Whether the call carries authorization metadata that was not verified
  // before (its check would cost a signature); false without any.
  bool HasUnverifiedToken(const grpc::CallbackServerContext& context) const;

  // Set once, before the first call.
  void RequireServiceCertificates(bool required) { require_service_certificates_ = required; }

  // Refuses, from now on, every token of `subject` issued at or before
  // `at` (a deleted person's): UNAUTHENTICATED "access token revoked".
  // Kept for the process's life: one entry per deleted person.
  void Revoke(const std::string& subject, absl::Time at);
  // Refuses, from now on until `until` (when its last token expires), every
  // token of a session: UNAUTHENTICATED "access token revoked". An entry
  // is forgotten once past `until`, so the list holds only sessions ended
  // within one access token's lifetime.
  void RevokeSession(const std::string& session_id, absl::Time until);

 private:
  struct Cached {
    Caller caller;
    absl::Time issued_at;
    absl::Time expires_at;
  };
  // The caller, unless its token is revoked.
  absl::StatusOr<Caller> Unrevoked(const Cached& verified) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  static constexpr size_t kMaxCachedTokens = 100000;

  bool require_service_certificates_ = false;
  mutable absl::Mutex mu_;
  PublicKeySet keys_ ABSL_GUARDED_BY(mu_);
  mutable absl::flat_hash_map<std::string, Cached> cache_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, absl::Time> revoked_ ABSL_GUARDED_BY(mu_);
  // Session id -> until when its tokens are refused.
  absl::flat_hash_map<std::string, absl::Time> revoked_sessions_ ABSL_GUARDED_BY(mu_);
  // When revoked_sessions_ is next swept of entries past their bound.
  absl::Time next_sweep_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace trustsphere
