#pragma once

// The relationships service's store port: trust statements and what is
// derived from them (who trusts whom, mutual references, pending answers,
// who holds which facet about whom, per-person counts), the change log and
// idempotency records, as typed records and queries. RelationshipLogic
// decides; an implementation (RocksDbTrustStore) persists and is the only
// code that knows how.
//
// Every method may be called from any thread. Reads go through a
// TrustReader: one from Snapshot() answers every query from one point in
// time, so the reads of one request agree with each other.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "services/common/core/page_token.h"
#include "services/common/core/request_ledger.h"
#include "storage/page.h"
#include "storage/storage_admin.h"
#include "trustsphere/relationships/v1/relationships.pb.h"

namespace trustsphere::relationships {

// Active, and so counted in references, facets, pending answers and counts.
inline bool IsActive(const std::optional<v1::TrustStatement>& statement) {
  return statement && statement->state() == v1::TRUST_STATE_ACTIVE;
}

// An erasure's statement: the pair's two ids and nothing else (state
// TRUST_STATE_UNSPECIFIED). A change of kind CHANGE_KIND_ERASED carries it.
v1::TrustStatement ErasedStatement(const std::string& truster, const std::string& trustee);
inline bool IsErased(const v1::TrustStatement& statement) {
  return statement.state() == v1::TRUST_STATE_UNSPECIFIED;
}

// A mutual reference (both statements active) seen from one person, with
// both statements' visibilities, so that visibility is decided without
// loading them.
struct ReferenceEdge {
  std::string other;
  // person -> other.
  v1::Visibility outgoing = v1::VISIBILITY_UNSPECIFIED;
  // other -> person.
  v1::Visibility incoming = v1::VISIBILITY_UNSPECIFIED;
};

// Whether a statement back (active or not, with its visibility) answers a
// statement as its truster sees it: a PRIVATE statement back is the other's
// alone, so it answers nothing (counting it would let the truster learn it
// exists through their limit). The rule the counts and the limits go by.
inline bool IsVisibleAnswer(bool active, v1::Visibility visibility) {
  return active && visibility != v1::VISIBILITY_PRIVATE;
}

// Whether the other one answers person's statement as person sees it.
inline bool AnswersVisibly(const std::optional<ReferenceEdge>& edge) {
  return edge && IsVisibleAnswer(true, edge->incoming);
}

// A truster holding a facet inside their active statement about a subject.
struct FacetHolder {
  std::string truster;
  v1::Visibility visibility = v1::VISIBILITY_UNSPECIFIED;
};

// What an active statement says of one facet, and who may see it.
struct FacetJudgement {
  v1::Visibility visibility = v1::VISIBILITY_UNSPECIFIED;
  // INSIDE, OUTSIDE or NOT_STATED.
  v1::Verdict verdict = v1::VERDICT_UNSPECIFIED;

  bool operator==(const FacetJudgement&) const = default;
};
// The judgement of `facet` (normalised) by `statement`; nullopt unless it
// is active.
std::optional<FacetJudgement> Judge(const std::optional<v1::TrustStatement>& statement,
                                    const common::v1::Facet& facet);

// What a person's own statements add up to; the limits count these.
struct StatementCounts {
  // Active statements the person made.
  int64_t active = 0;
  // Statements the person made and the store keeps, revoked ones included.
  int64_t kept = 0;
  // Active statements the person made that no statement back answers, as
  // the person sees it: none active back, or only a PRIVATE one.
  int64_t unanswered = 0;

  bool operator==(const StatementCounts&) const = default;
};

// One statement's new state. `before` is its state as read under the
// pair's lock (nullopt: new); `reverse` the current statement the other way.
// An erasure (kind CHANGE_KIND_ERASED, `after` an ErasedStatement) removes
// the statement and what is derived from it, rewrites every earlier
// change-log entry of the pair (both directions) to an erasure, and drops
// the request records whose answer was one of the pair's statements.
struct StatementChange {
  std::optional<v1::TrustStatement> before;
  v1::TrustStatement after;
  std::optional<v1::TrustStatement> reverse;
  v1::ChangeKind kind = v1::CHANGE_KIND_UNSPECIFIED;
};

// How a change moves the counts of its truster and of its trustee (whose
// statement back may stop or start waiting for an answer). Every store
// keeps its counts by these deltas.
struct CountDeltas {
  StatementCounts truster;
  StatementCounts trustee;
};
CountDeltas DeltasOf(const StatementChange& change);
void Add(StatementCounts& counts, const StatementCounts& delta);

// A committed change, as WatchTrustChanges streams it (without cursor).
struct TrustChangeEntry {
  uint64_t sequence = 0;
  v1::TrustChange change;
};

using StatementFilter = absl::FunctionRef<bool(const v1::TrustStatement&)>;
using EdgeFilter = absl::FunctionRef<bool(const ReferenceEdge&)>;

// Reads of one view. Lists return `limit` items after `cursor` that `keep`
// accepts, in the id order of the other person; entries `keep` refuses are
// skipped and never change how many items a page holds or whether a next
// page is announced. A cursor is the other person's id of the page's last
// item (empty: from the first), the same in every implementation, so a page
// token outlives a change of store.
class TrustReader {
 public:
  virtual ~TrustReader() = default;

  // nullopt when the truster never stated anything about the trustee.
  virtual absl::StatusOr<std::optional<v1::TrustStatement>> Statement(
      const std::string& truster, const std::string& trustee) = 0;
  // The statements of several (truster, trustee) pairs, nullopt where none.
  virtual absl::StatusOr<std::vector<std::optional<v1::TrustStatement>>> Statements(
      const std::vector<std::pair<std::string, std::string>>& pairs) = 0;
  // What truster's statement about trustee says of `facet` (normalised);
  // nullopt unless that statement is active. By default, from Statement.
  virtual absl::StatusOr<std::optional<FacetJudgement>> Judge(const std::string& truster,
                                                              const std::string& trustee,
                                                              const common::v1::Facet& facet);
  // The facets inside each (truster, trustee) pair's statement, none where
  // that statement is not active. By default, from Statements.
  virtual absl::StatusOr<std::vector<std::vector<common::v1::Facet>>> InsideFacets(
      const std::vector<std::pair<std::string, std::string>>& pairs);
  // nullopt when the two are not mutual references.
  virtual absl::StatusOr<std::optional<ReferenceEdge>> Reference(const std::string& person,
                                                                 const std::string& other) = 0;

  // Statements the person made (active or revoked).
  virtual absl::StatusOr<storage::Page<v1::TrustStatement>> Outgoing(const std::string& person,
                                                                     const std::string& cursor,
                                                                     int limit,
                                                                     StatementFilter keep) = 0;
  // Statements about the person (active or revoked).
  virtual absl::StatusOr<storage::Page<v1::TrustStatement>> Incoming(const std::string& person,
                                                                     const std::string& cursor,
                                                                     int limit,
                                                                     StatementFilter keep) = 0;
  // Active statements about the person that the person has not answered.
  virtual absl::StatusOr<storage::Page<v1::TrustStatement>> Pending(const std::string& person,
                                                                    const std::string& cursor,
                                                                    int limit,
                                                                    StatementFilter keep) = 0;
  // The person's mutual references.
  virtual absl::StatusOr<storage::Page<ReferenceEdge>> References(const std::string& person,
                                                                  const std::string& cursor,
                                                                  int limit, EdgeFilter keep) = 0;
  // Every mutual reference of the person, in id order, until `visit`
  // returns false.
  virtual absl::Status VisitReferences(const std::string& person,
                                       absl::FunctionRef<bool(const ReferenceEdge&)> visit) = 0;
  // Who holds `facet` (normalised) inside an active statement about the
  // subject, in truster id order, until `visit` returns false.
  virtual absl::Status VisitFacetHolders(const std::string& subject, const common::v1::Facet& facet,
                                         absl::FunctionRef<bool(const FacetHolder&)> visit) = 0;
  virtual absl::StatusOr<StatementCounts> Counts(const std::string& person) = 0;

  // Every statement, active or revoked, in the store's own order, until
  // `visit` returns false or an error: what an index is built from.
  // The statement visited is valid during the call only.
  virtual absl::Status VisitStatements(
      absl::FunctionRef<absl::StatusOr<bool>(const v1::TrustStatement&)> visit) = 0;
  // The sequences of the change-log entries this view holds after `after`,
  // in order (a snapshot holds every change committed when it was taken).
  virtual absl::StatusOr<std::vector<uint64_t>> ChangeSequencesAfter(uint64_t after) = 0;
};

// Called by Apply with its changes and their sequences (one each), once
// they are committed and readable and before CommittedChangeSequence()
// passes them; never for a write that fails.
using CommitHook =
    std::function<void(const std::vector<StatementChange>&, absl::Span<const uint64_t>)>;

class TrustStore : public SecretKeeper, public RequestLog {
 public:
  // A view of one point in time.
  virtual std::unique_ptr<TrustReader> Snapshot() const = 0;
  // Snapshot() in two steps, for a caller that fixes the point in time
  // under a lock of its own: this call takes what may wait (a database
  // connection), outside that lock; the function it returns, called once,
  // fixes the point in time without waiting for anything the store lends.
  virtual std::function<std::unique_ptr<TrustReader>()> PrepareSnapshot() const {
    return [this] { return Snapshot(); };
  }
  // A view of the latest state, each read at its own time: for a read of
  // one record, or reads under the locks of what they read.
  virtual std::unique_ptr<TrustReader> Latest() const = 0;

  // Writes the changes in order (each statement with every index, the
  // counts and a change-log entry) and the request record, atomically and
  // durably. Returns the change sequence of the last change (0 when none).
  virtual absl::StatusOr<uint64_t> Apply(const std::vector<StatementChange>& changes,
                                         const std::optional<RequestRecord>& request) = 0;
  // Committed changes after `after`, in commit order, at most `limit`;
  // never past a change that may still be in flight, so a reader that
  // resumes from the last sequence it saw misses none.
  virtual absl::StatusOr<std::vector<TrustChangeEntry>> Changes(uint64_t after,
                                                                int limit) const = 0;
  // Every change up to this sequence is committed and its commit hook has
  // returned; changes above it may still be in flight.
  virtual uint64_t CommittedChangeSequence() const = 0;
  // The highest sequence given to a change so far, committed or in flight
  // (0 before the first).
  virtual uint64_t LastChangeSequence() const = 0;
  // Set once, before the first Apply.
  virtual void SetCommitHook(CommitHook hook) = 0;
  // Called, from any thread, each time CommittedChangeSequence() may have
  // advanced: what wakes the watchers of the change log. It must return
  // quickly and call no method of the store. Set once, before the first
  // Apply.
  virtual void SetCommittedListener(std::function<void()> listener) = 0;
  // Brings CommittedChangeSequence() up to what the database holds now,
  // running the hook for every change it had not seen: the changes other
  // replicas of a shared database committed, and a write of this process
  // whose outcome was unknown (its commit answer lost) if it did commit.
  // A snapshot taken next then holds no change the hooks missed. Called
  // outside every lock of the caller's. A store that no one else writes
  // and that always knows its outcomes does nothing.
  virtual absl::Status Settle() { return absl::OkStatus(); }
  // A small value kept in the database itself, outside the change log,
  // written durably; "" when absent. A graph checkpoint pairs with one.
  virtual absl::StatusOr<std::string> Marker(const std::string& name) const = 0;
  // Sets the marker, or removes it when `value` is empty.
  virtual absl::Status SetMarker(const std::string& name, const std::string& value) = 0;

  // Backups and figures, for operators.
  virtual storage::StorageAdmin& admin() = 0;
};

}  // namespace trustsphere::relationships
