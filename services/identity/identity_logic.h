#pragma once

// The identity service's rules: who may do what, what input is valid, and
// how people, positions and tags change. Knows nothing of gRPC or of how the
// store keeps its records: handlers translate requests to calls here, and
// tests call it directly over a real store.
//
// Thread-safe. Methods block on storage and password hashing: call them off
// gRPC's callback threads.

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/empty.pb.h"
#include "services/common/auth/signing_key.h"
#include "services/common/core/caller.h"
#include "services/common/core/key_locks.h"
#include "services/common/core/page_token.h"
#include "services/common/core/request_ledger.h"
#include "services/identity/identity_store.h"
#include "services/identity/login_throttle.h"
#include "services/identity/password_hasher.h"

namespace trustsphere::identity {

struct IdentityOptions {
  absl::Duration access_token_ttl = absl::Minutes(15);
  // A session's refresh token stops working when unused for
  // session_idle_ttl, and at the latest session_max_ttl after the login.
  absl::Duration session_idle_ttl = absl::Hours(24 * 30);
  absl::Duration session_max_ttl = absl::Hours(24 * 90);
  PasswordHashCost password_cost;
  // The sessions' clock (tests move it to expire them).
  std::function<absl::Time()> now = [] { return absl::Now(); };
};

class IdentityLogic {
 public:
  IdentityLogic(std::unique_ptr<IdentityStore> store, SigningKeyPair signing_key,
                PageTokenCodec page_tokens, IdentityOptions options);

  // Sign-up and login need no token: `caller` is empty for them.
  absl::StatusOr<v1::Person> CreatePerson(const Caller& caller,
                                          const v1::CreatePersonRequest& request);
  absl::StatusOr<v1::AuthenticateResponse> Authenticate(const Caller& caller,
                                                        const v1::AuthenticateRequest& request);
  absl::StatusOr<v1::GetSigningKeysResponse> GetSigningKeys(
      const Caller& caller, const v1::GetSigningKeysRequest& request);

  // Sessions (identity_sessions.cc). RefreshSession needs no token either.
  absl::StatusOr<v1::AuthenticateResponse> RefreshSession(const Caller& caller,
                                                          const v1::RefreshSessionRequest& request);
  absl::StatusOr<v1::ListSessionsResponse> ListSessions(const Caller& caller,
                                                        const v1::ListSessionsRequest& request);
  absl::StatusOr<google::protobuf::Empty> RevokeSession(const Caller& caller,
                                                        const v1::RevokeSessionRequest& request);
  absl::StatusOr<v1::RevokeAllSessionsResponse> RevokeAllSessions(
      const Caller& caller, const v1::RevokeAllSessionsRequest& request);
  absl::StatusOr<v1::ChangePasswordResponse> ChangePassword(
      const Caller& caller, const v1::ChangePasswordRequest& request);
  // Removes every session expired by now, so that those of people who never
  // log in again (their device labels) are not kept for ever; returns how
  // many. The server runs it every --session_sweep_period.
  absl::StatusOr<int> DropExpiredSessions();

  absl::StatusOr<v1::Person> GetPerson(const Caller& caller, const v1::GetPersonRequest& request);
  absl::StatusOr<v1::BatchGetPersonsResponse> BatchGetPersons(
      const Caller& caller, const v1::BatchGetPersonsRequest& request);
  absl::StatusOr<v1::Person> UpdatePerson(const Caller& caller,
                                          const v1::UpdatePersonRequest& request);
  absl::StatusOr<google::protobuf::Empty> DeletePerson(const Caller& caller,
                                                       const v1::DeletePersonRequest& request);

  absl::StatusOr<v1::Position> AddPosition(const Caller& caller,
                                           const v1::AddPositionRequest& request);
  absl::StatusOr<v1::Position> UpdatePosition(const Caller& caller,
                                              const v1::UpdatePositionRequest& request);
  absl::StatusOr<google::protobuf::Empty> RemovePosition(const Caller& caller,
                                                         const v1::RemovePositionRequest& request);
  absl::StatusOr<v1::BatchGetPositionsResponse> BatchGetPositions(
      const Caller& caller, const v1::BatchGetPositionsRequest& request);
  absl::StatusOr<v1::ListPositionsResponse> ListPositions(const Caller& caller,
                                                          const v1::ListPositionsRequest& request);
  absl::StatusOr<v1::FindOverlappingPositionsResponse> FindOverlappingPositions(
      const Caller& caller, const v1::FindOverlappingPositionsRequest& request);

  // identity_search.cc.
  absl::StatusOr<v1::SearchPeopleResponse> SearchPeople(const Caller& caller,
                                                        const v1::SearchPeopleRequest& request);
  // Indexes for search every live person whose record has no search entry
  // yet (records written before search existed): run at each start, before
  // serving, over the change log from where the previous start stopped.
  // Returns how many people it indexed.
  absl::StatusOr<int> IndexForSearch();

  absl::StatusOr<v1::SearchTagsResponse> SearchTags(const Caller& caller,
                                                    const v1::SearchTagsRequest& request);
  absl::StatusOr<v1::BatchGetTagsResponse> BatchGetTags(const Caller& caller,
                                                        const v1::BatchGetTagsRequest& request);
  absl::StatusOr<v1::RecordTagUseResponse> RecordTagUse(const Caller& caller,
                                                        const v1::RecordTagUseRequest& request);

  // Services' view of the change log (identity_changes.cc).
  absl::StatusOr<v1::ListIdentityChangesResponse> ListIdentityChanges(
      const Caller& caller, const v1::ListIdentityChangesRequest& request);

  // One batch of an operator's import (identity_import.cc); adds its counts
  // to `totals`.
  absl::Status ImportPersons(const Caller& caller, const v1::ImportPersonsRequest& request,
                             v1::ImportPersonsResponse* totals);

  IdentityStore& store() { return *store_; }
  // Called after each deletion is stored (the server has the erased bytes
  // reclaimed); set once, before the first call.
  void OnPersonDeleted(std::function<void()> deleted) { person_deleted_ = std::move(deleted); }

  // Limits, public so tests and documentation use the same numbers.
  static constexpr int kMaxPositionsPerPerson = 200;
  static constexpr int kMaxTagsPerRecord = 50;
  static constexpr int64_t kMaxUsesPerRecord = 1000000;
  static constexpr int kMaxBatchGet = 100;
  static constexpr int kMaxImportBatch = 500;
  static constexpr int kTagRankingWindow = 1000;
  // Index entries FindOverlappingPositions examines per call before it
  // returns a partial page with a token to continue.
  static constexpr int kMaxOverlapScan = 2000;
  // Live sessions per person: a login beyond ends the least recently used.
  static constexpr int kMaxSessionsPerPerson = 50;
  // Search index entries SearchPeople examines per word of the query, and
  // the words a query may have.
  static constexpr int kMaxSearchScan = 2000;
  static constexpr size_t kMaxSearchWords = 4;
  // Rotated refresh tokens remembered per session, to recognise a reuse.
  static constexpr int kMaxRotatedRefreshTokens = 16;

 private:
  // One attempt at each; the public call runs it again after an unknown
  // outcome.
  absl::StatusOr<v1::Person> CreatePersonAttempt(const v1::CreatePersonRequest& request);
  absl::StatusOr<v1::Position> AddPositionAttempt(const Caller& caller,
                                                  const v1::AddPositionRequest& request);
  absl::StatusOr<internal::PersonRecord> LiveOwnedPerson(const Caller& caller,
                                                         const std::string& person_id);
  absl::StatusOr<v1::Position> OwnedPosition(const Caller& caller, const std::string& id);
  // ALREADY_EXISTS when the email belongs to someone: sign-up, an email
  // change and an import alike.
  absl::Status EmailFree(const std::string& normalized_email);
  // The search entry of a person stored without one, read from their
  // positions.
  absl::StatusOr<internal::SearchEntry> SearchEntryWithPositions(const v1::Person& person);
  // Adds to `write` the owner's record with the organisations of their
  // positions once `put` is stored (added or changed) or `removed_id`
  // removed, when those change. The caller holds the owner's lock.
  absl::Status FollowOrganizations(IdentityWrite& write, const internal::PersonRecord& owner,
                                   const v1::Position* put, const std::string& removed_id);
  // A new session of a live person (the caller holds the person's lock),
  // with the answer that carries its tokens. Ends expired sessions and,
  // over kMaxSessionsPerPerson, the least recently used.
  absl::StatusOr<v1::AuthenticateResponse> OpenSession(const internal::PersonRecord& person,
                                                       const std::string& device_label);
  // Every stored session of a person, expired ones included.
  absl::StatusOr<std::vector<internal::SessionRecord>> AllSessionsOf(const std::string& person_id);
  // Adds to `write` the end of each session of `sessions` but `kept`;
  // returns how many were live.
  int RevokeSessions(IdentityWrite& write, const std::vector<internal::SessionRecord>& sessions,
                     const std::string& kept);
  // The tokens of a session whose refresh secret is `secret`, as its
  // record states their times.
  v1::AuthenticateResponse Issue(const internal::SessionRecord& session, const std::string& secret);
  // One read-and-add of RecordTagUse, under the tags' locks.
  absl::StatusOr<v1::RecordTagUseResponse> CountTagUses(const v1::RecordTagUseRequest& request);

  std::unique_ptr<IdentityStore> store_;
  std::function<void()> person_deleted_;
  SigningKeyPair signing_key_;
  PageTokenCodec page_tokens_;
  IdentityOptions options_;
  PasswordHasher hasher_;
  std::unique_ptr<LoginThrottle> throttle_;
  RequestLedger requests_;
  KeyLocks locks_;
};

}  // namespace trustsphere::identity
