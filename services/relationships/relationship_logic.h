#pragma once

// The relationships service's rules: statements (who trusts whom, for what),
// their visibility, the limits, and the graph queries over mutual
// references. Knows nothing of gRPC or of how the store keeps its records.
// Thread-safe; methods block on storage and on identity, so call them off
// gRPC's callback threads.
//
// Statements and lists are in relationship_logic.cc; graph queries
// (FindVouchers, SuggestReferences, GetCoverage) in relationship_graph.cc;
// the operators' import in relationship_import.cc.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/core/caller.h"
#include "services/common/core/erasure_gate.h"
#include "services/common/core/key_locks.h"
#include "services/common/core/page_token.h"
#include "services/common/core/request_ledger.h"
#include "services/common/downstream/identity_directory.h"
#include "services/relationships/identity_facts.h"
#include "services/relationships/statement_limits.h"
#include "services/relationships/tag_use_recorder.h"
#include "services/relationships/trust_store.h"

namespace trustsphere::relationships {

class Viewer;

struct RelationshipOptions {
  StatementLimits limits;
  // People a FindVouchers search may visit before it stops (truncated).
  int max_visited = 10000;
  // How often tag uses are sent to identity's vocabulary.
  absl::Duration tag_use_period = absl::Seconds(1);
  // How identity's answers (live people, position owners) are remembered
  // (the server follows identity's changes; logic tests ask every time).
  IdentityFacts::Options identity_facts;
};

class RelationshipLogic {
 public:
  RelationshipLogic(std::unique_ptr<TrustStore> store, IdentityDirectory* identity,
                    PageTokenCodec page_tokens, RelationshipOptions options);

  absl::StatusOr<v1::TrustStatement> PutTrust(const Caller& caller,
                                              const v1::PutTrustRequest& request);
  absl::StatusOr<v1::TrustStatement> GetTrust(const Caller& caller,
                                              const v1::GetTrustRequest& request);
  absl::StatusOr<v1::BatchGetTrustResponse> BatchGetTrust(const Caller& caller,
                                                          const v1::BatchGetTrustRequest& request);
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

  // Erases every statement by or about the person (identity deleted
  // them), both directions of each pair in one write, with their traces
  // (relationship_erasure.cc); refuses new ones from then on. Idempotent.
  // Returns how many statements went.
  absl::StatusOr<int64_t> ErasePerson(const std::string& person_id);

  TrustStore& store() { return *store_; }
  IdentityFacts& identity_facts() { return identity_facts_; }

  static constexpr int kMaxDepth = 3;
  static constexpr int kMaxBatchChecks = 100;
  static constexpr int kMaxBatchGets = 100;
  static constexpr int kMaxImportBatch = 500;
  static constexpr int kMaxCandidatesPerPosition = 20;

 private:
  // One attempt at PutTrust; PutTrust runs it again after an unknown outcome.
  absl::StatusOr<v1::TrustStatement> PutTrustAttempt(const Caller& caller,
                                                     const v1::PutTrustRequest& request);
  // Serialises writes to the statements between two people, and the
  // truster's writes among themselves (their counts decide the limits). A
  // trustee withdrawing an answer moves the truster's unanswered count
  // without this lock, so that limit may be passed by as many answers as
  // are withdrawn at the same moment.
  KeyLocks::Guard LockPair(const std::string& truster, const std::string& trustee);
  // The keys LockPair locks, added to `keys` (an import locks many pairs).
  static void AddPairLockKeys(const std::string& truster, const std::string& trustee,
                              std::vector<std::string>& keys);
  // The statement with its new state, stamped now.
  static v1::TrustStatement Stamped(v1::TrustStatement statement, v1::TrustState state,
                                    const std::optional<v1::TrustStatement>& before);
  // The verdict of one check, read through `reader` with `viewer`'s rights;
  // field names are prefixed with `field`.
  absl::StatusOr<v1::Verdict> Verdict(Viewer& viewer, TrustReader& reader,
                                      const v1::CheckTrustRequest& check, const std::string& field);
  // Statements by or about a person, as one page of visible statements.
  using StatementList = absl::StatusOr<storage::Page<v1::TrustStatement>> (TrustReader::*)(
      const std::string&, const std::string&, int, StatementFilter);
  template <typename Response>
  absl::StatusOr<Response> ListStatements(const Caller& caller, const char* method,
                                          StatementList list, const std::string& person_id,
                                          int32_t page_size, const std::string& page_token);

  std::unique_ptr<TrustStore> store_;
  IdentityDirectory* identity_;
  PageTokenCodec page_tokens_;
  RelationshipOptions options_;
  KeyLocks locks_;
  RequestLedger requests_;
  TagUseRecorder tag_uses_;
  IdentityFacts identity_facts_;
  ErasureGate erasures_;
};

}  // namespace trustsphere::relationships
