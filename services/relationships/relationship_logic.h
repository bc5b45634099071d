#pragma once

// The relationships service's rules: statements (who trusts whom, for what),
// their visibility, and the graph queries over mutual references. Knows
// nothing of gRPC. Thread-safe; methods block on storage and on identity,
// so call them off gRPC's callback threads.
//
// Statements and lists are in relationship_logic.cc; graph queries
// (FindVouchers, SuggestReferences, GetCoverage) in relationship_graph.cc.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/common/core/caller.h"
#include "services/common/core/key_locks.h"
#include "services/common/core/page_token.h"
#include "services/common/downstream/identity_client.h"
#include "services/relationships/relationship_store.h"
#include "services/relationships/tag_use_recorder.h"

namespace trustsphere::relationships {

class Viewer;

struct RelationshipOptions {
  // Statements one person may hold (active or revoked).
  int max_statements_per_truster = 1000;
  // Unanswered statements one person may receive: nobody can flood a person.
  int max_pending_per_trustee = 500;
  // People a FindVouchers search may visit before it stops (truncated).
  int max_visited = 10000;
  // How often tag uses are sent to identity's vocabulary.
  absl::Duration tag_use_period = absl::Seconds(1);
};

class RelationshipLogic {
 public:
  RelationshipLogic(std::unique_ptr<RelationshipStore> store, IdentityClient* identity,
                    PageTokenCodec page_tokens, RelationshipOptions options);

  absl::StatusOr<v1::TrustStatement> PutTrust(const Caller& caller,
                                              const v1::PutTrustRequest& request);
  absl::StatusOr<v1::TrustStatement> GetTrust(const Caller& caller,
                                              const v1::GetTrustRequest& request);
  absl::StatusOr<v1::TrustStatement> RevokeTrust(const Caller& caller,
                                                 const v1::RevokeTrustRequest& request);
  absl::StatusOr<v1::ListTrustedResponse> ListTrusted(const Caller& caller,
                                                      const v1::ListTrustedRequest& request);
  absl::StatusOr<v1::ListTrustingResponse> ListTrusting(const Caller& caller,
                                                        const v1::ListTrustingRequest& request);
  absl::StatusOr<v1::ListReferencesResponse> ListReferences(
      const Caller& caller, const v1::ListReferencesRequest& request);
  absl::StatusOr<v1::ListPendingReciprocationResponse> ListPendingReciprocation(
      const Caller& caller, const v1::ListPendingReciprocationRequest& request);
  absl::StatusOr<v1::CheckTrustResponse> CheckTrust(const Caller& caller,
                                                    const v1::CheckTrustRequest& request);
  absl::StatusOr<v1::BatchCheckTrustResponse> BatchCheckTrust(
      const Caller& caller, const v1::BatchCheckTrustRequest& request);

  absl::StatusOr<v1::FindVouchersResponse> FindVouchers(const Caller& caller,
                                                        const v1::FindVouchersRequest& request);
  absl::StatusOr<v1::SuggestReferencesResponse> SuggestReferences(
      const Caller& caller, const v1::SuggestReferencesRequest& request);
  absl::StatusOr<v1::GetCoverageResponse> GetCoverage(const Caller& caller,
                                                      const v1::GetCoverageRequest& request);

  // One batch of an operator's import (relationship_import.cc); adds its
  // counts to `totals`.
  absl::Status ImportTrust(const Caller& caller, const v1::ImportTrustRequest& request,
                           v1::ImportTrustResponse* totals);

  RelationshipStore& store() { return *store_; }

  static constexpr int kMaxDepth = 3;
  static constexpr int kMaxBatchChecks = 100;
  static constexpr int kMaxImportBatch = 500;
  static constexpr int kMaxCandidatesPerPosition = 20;

 private:
  // Serialises writes to the statements between two people, and to each
  // one's counters (statements held, statements awaiting an answer).
  KeyLocks::Guard LockPair(const std::string& truster, const std::string& trustee);
  // The keys LockPair locks, added to `keys` (an import locks many pairs).
  static void AddPairLockKeys(const std::string& truster, const std::string& trustee,
                              std::vector<std::string>& keys);
  // The verdict of one check, read at `snapshot` with `viewer`'s rights;
  // field names are prefixed with `field`.
  absl::StatusOr<v1::Verdict> Verdict(Viewer& viewer, const storage::Snapshot* snapshot,
                                      const v1::CheckTrustRequest& check, const std::string& field);
  // Counts entries under a prefix, stopping at `limit`.
  absl::StatusOr<int> CountUpTo(storage::Family family, const std::string& prefix, int limit);
  // Statements by or about a person, as one page of visible statements.
  template <typename Response>
  absl::StatusOr<Response> ListStatements(const Caller& caller, const char* method,
                                          storage::Family family, const std::string& person_id,
                                          bool person_is_truster, int32_t page_size,
                                          const std::string& page_token);

  std::unique_ptr<RelationshipStore> store_;
  IdentityClient* identity_;
  PageTokenCodec page_tokens_;
  RelationshipOptions options_;
  KeyLocks locks_;
  TagUseRecorder tag_uses_;
};

}  // namespace trustsphere::relationships
