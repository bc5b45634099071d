#pragma once

// The recommendations service's rules. Knows nothing of gRPC or of how the
// store keeps its records. Thread-safe; methods block on storage and on the
// other services.
//
//   recommendation_logic.cc     writing, revising, publishing, reading
//   recommendation_requests.cc  requests, and the requesters an author blocks
//   recommendation_shares.cc    shares, dossiers, the access log
//   shared_dossier.cc           what a dossier shows beyond the recommendations
//   recommendation_signing.cc   signed exports and their verification
//   signed_export.cc            the signed export's canonical bytes
//   recommendation_staleness.cc trust changes that make recommendations stale

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/auth/signing_key.h"
#include "services/common/core/caller.h"
#include "services/common/core/erasure_gate.h"
#include "services/common/core/key_locks.h"
#include "services/common/core/page_token.h"
#include "services/common/core/request_ledger.h"
#include "services/common/downstream/identity_directory.h"
#include "services/recommendations/recommendation_store.h"
#include "services/recommendations/shared_dossier.h"
#include "services/recommendations/signed_letter_cache.h"
#include "services/recommendations/trust_sources.h"
#include "trustsphere/recommendations/v1/recommendations.pb.h"

namespace trustsphere::recommendations {

class RecommendationLogic {
 public:
  RecommendationLogic(std::unique_ptr<RecommendationStore> store, IdentityDirectory* identity,
                      TrustOracle* trust, PageTokenCodec page_tokens, SigningKeyPair signing_key);

  absl::StatusOr<v1::RecommendationRequest> RequestRecommendation(
      const Caller& caller, const v1::RequestRecommendationRequest& request);
  absl::StatusOr<v1::ListRequestsResponse> ListRequests(const Caller& caller,
                                                        const v1::ListRequestsRequest& request);
  absl::StatusOr<v1::RecommendationRequest> DeclineRequest(
      const Caller& caller, const v1::DeclineRequestRequest& request);
  absl::StatusOr<v1::BlockedRequester> BlockRequester(const Caller& caller,
                                                      const v1::BlockRequesterRequest& request);
  absl::StatusOr<v1::UnblockRequesterResponse> UnblockRequester(
      const Caller& caller, const v1::UnblockRequesterRequest& request);
  absl::StatusOr<v1::ListBlockedRequestersResponse> ListBlockedRequesters(
      const Caller& caller, const v1::ListBlockedRequestersRequest& request);

  absl::StatusOr<v1::Recommendation> WriteRecommendation(
      const Caller& caller, const v1::WriteRecommendationRequest& request);
  absl::StatusOr<v1::Recommendation> ReviseRecommendation(
      const Caller& caller, const v1::ReviseRecommendationRequest& request);
  absl::StatusOr<v1::Recommendation> WithdrawRecommendation(
      const Caller& caller, const v1::WithdrawRecommendationRequest& request);
  absl::StatusOr<v1::Recommendation> PublishRecommendation(
      const Caller& caller, const v1::PublishRecommendationRequest& request);
  absl::StatusOr<v1::Recommendation> HideRecommendation(
      const Caller& caller, const v1::HideRecommendationRequest& request);
  absl::StatusOr<v1::Recommendation> GetRecommendation(const Caller& caller,
                                                       const v1::GetRecommendationRequest& request);
  absl::StatusOr<v1::ListRecommendationsResponse> ListRecommendations(
      const Caller& caller, const v1::ListRecommendationsRequest& request);
  absl::StatusOr<v1::ListRecommendationVersionsResponse> ListRecommendationVersions(
      const Caller& caller, const v1::ListRecommendationVersionsRequest& request);

  absl::StatusOr<v1::CreateShareResponse> CreateShare(const Caller& caller,
                                                      const v1::CreateShareRequest& request);
  absl::StatusOr<v1::Dossier> GetSharedDossier(const Caller& caller,
                                               const v1::GetSharedDossierRequest& request);
  absl::StatusOr<v1::Share> RevokeShare(const Caller& caller,
                                        const v1::RevokeShareRequest& request);
  absl::StatusOr<v1::ListSharesResponse> ListShares(const Caller& caller,
                                                    const v1::ListSharesRequest& request);
  absl::StatusOr<v1::ListAccessLogResponse> ListAccessLog(const Caller& caller,
                                                          const v1::ListAccessLogRequest& request);

  absl::StatusOr<v1::ExportSignedRecommendationResponse> ExportSignedRecommendation(
      const Caller& caller, const v1::ExportSignedRecommendationRequest& request);
  // Need no token: `caller` is empty for them.
  absl::StatusOr<v1::VerifyRecommendationResponse> VerifyRecommendation(
      const Caller& caller, const v1::VerifyRecommendationRequest& request);
  absl::StatusOr<v1::GetPublicKeysResponse> GetPublicKeys(const Caller& caller,
                                                          const v1::GetPublicKeysRequest& request);

  // Applies changes of the relationships stream, in order, in one write:
  // recommendations whose facets the author's statement no longer holds
  // inside become STALE. The stream cursor of the last change is saved in
  // the same batch, so a change applied twice (at least once delivery)
  // changes nothing the second time. Where replicas share the database,
  // ABORTED, with nothing written, when the saved cursor is no longer
  // `after_cursor` (the one the changes follow): another replica's
  // consumer applied them.
  absl::Status ApplyTrustChanges(const std::vector<relationships::v1::TrustChange>& changes,
                                 const std::string& after_cursor);
  // The cursor to resume the stream from ("" at first).
  absl::StatusOr<std::string> TrustCursor() const;

  // Erases what the store holds of a person identity deleted
  // (recommendation_erasure.cc): the shares of their dossier, the
  // recommendations they wrote or were written of them with every version,
  // the requests they sent or were sent, the blocks they made and those of
  // them, and their access log with what others' reads showed of theirs. Idempotent; returns how
  // many records went.
  absl::StatusOr<int64_t> ErasePerson(const std::string& person_id);

  RecommendationStore& store() { return *store_; }

  static constexpr int kMaxSharedRecommendations = 50;
  static constexpr int kMaxVersions = 100;
  // Requests one subject may send in a day.
  static constexpr int kMaxRequestsPerDay = 20;
  // Requesters one author may block.
  static constexpr int kMaxBlocked = 1000;
  // Signed letters kept for dossiers read again (about 2 KB each), and how
  // long one is handed out before it is signed anew.
  static constexpr size_t kSignedLettersKept = 20000;
  static constexpr absl::Duration kSignedLetterMaxAge = absl::Hours(1);

 private:
  // One attempt at WriteRecommendation, run again after an unknown outcome.
  absl::StatusOr<v1::Recommendation> WriteRecommendationAttempt(
      const Caller& caller, const v1::WriteRecommendationRequest& request);
  // The stored recommendation; NOT_FOUND when absent.
  absl::StatusOr<v1::Recommendation> Stored(const std::string& id);
  // The recommendation, if `caller` may see it; NOT_FOUND otherwise.
  absl::StatusOr<v1::Recommendation> Visible(const Caller& caller, const std::string& id);
  // Refuses the write unless every facet is INSIDE the author's current
  // sphere for the subject.
  absl::Status CheckWithinSphere(const Caller& caller, const v1::Recommendation& recommendation);
  // Context positions belong to the author or the subject.
  absl::Status CheckContextPositions(const Caller& caller,
                                     const v1::Recommendation& recommendation);
  // The shared recommendations still published, whose facets are all
  // inside their author's active statement about the subject, with that
  // statement; UNAVAILABLE when relationships cannot answer.
  absl::StatusOr<std::vector<ConfirmedRecommendation>> ConfirmedOf(const v1::Share& share,
                                                                   absl::Time deadline);
  // Appends the read and what it showed to the access log of the subject
  // and of each author shown.
  absl::Status LogRead(const v1::Share& share, const v1::Dossier& dossier, absl::Time now);
  // Changes the state of a recommendation the caller is `role` of.
  enum class Party { kAuthor, kSubject };
  absl::StatusOr<v1::Recommendation> Transition(const Caller& caller, const std::string& id,
                                                Party party,
                                                std::vector<v1::RecommendationState> from,
                                                v1::RecommendationState to,
                                                const std::string& etag = "");

  std::unique_ptr<RecommendationStore> store_;
  IdentityDirectory* identity_;
  TrustOracle* trust_;
  PageTokenCodec page_tokens_;
  SigningKeyPair signing_key_;
  RequestLedger requests_;
  KeyLocks locks_;
  // Taken by every write that creates records about people, before any of
  // locks_ (ErasePerson closes it for the person first).
  ErasureGate erasures_;
  SignedLetterCache signed_letters_{kSignedLettersKept, kSignedLetterMaxAge};
};

// The lock key of one author's recommendations of one subject.
std::string PairLock(const std::string& author, const std::string& subject);
// The lock key of one recommendation's state and versions.
std::string RecommendationLock(const std::string& id);
// The lock key of one subject's requests: every change of a request (asked,
// answered, declined, declined by a block) holds it, so the open request and
// the daily count are read and changed by one caller at a time.
std::string RequestsLock(const std::string& subject);
// The lock key of the requesters one author blocks.
std::string BlocksLock(const std::string& author);

// One check per facet of the recommendation: is it inside the author's
// sphere for the subject?
void AppendTrustChecks(const v1::Recommendation& recommendation,
                       std::vector<relationships::v1::CheckTrustRequest>& checks);

// What anyone but the author may read: oral contacts travel only in dossiers.
v1::Recommendation WithoutContact(v1::Recommendation recommendation, const Caller& caller);

}  // namespace trustsphere::recommendations
