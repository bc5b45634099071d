#pragma once

// The recommendations service's store port: recommendations with their
// versions, requests, blocked requesters, shares, the access log, the cursor
// of the relationships change stream and idempotency records, as typed
// records and queries. RecommendationLogic decides; an implementation
// (RocksDbRecommendationStore) persists and is the only code that knows how.
//
// Every method may be called from any thread. A query answers from one point
// in time (an index and the records it names agree). Timelines list newest
// first.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "records.pb.h"
#include "services/common/core/page_token.h"
#include "services/common/core/request_ledger.h"
#include "storage/leadership.h"
#include "storage/page.h"
#include "storage/storage_admin.h"
#include "trustsphere/recommendations/v1/recommendations.pb.h"

namespace trustsphere::recommendations {

// The changes of one write, applied together or not at all.
class RecommendationWrite {
 public:
  // The latest state; with `new_version`, also kept as that version; with
  // `created`, also indexed by subject, author and pair. Each put that is
  // not `created` may name `previous`, the stored record as the logic read
  // it: where replicas share the database, the write is refused (ABORTED)
  // when the record is no longer that, and a created one when its id is
  // taken. (One process: its locks made those checks.)
  void PutRecommendation(v1::Recommendation recommendation, bool new_version, bool created,
                         std::optional<v1::Recommendation> previous = std::nullopt);
  // With `created`, also indexed by author, subject and pair.
  void PutRequest(v1::RecommendationRequest request, bool created,
                  std::optional<v1::RecommendationRequest> previous = std::nullopt);
  // With `created`, also indexed by its token's hash and its subject.
  void PutShare(internal::ShareRecord share, bool created,
                std::optional<internal::ShareRecord> previous = std::nullopt);
  // One read of a dossier, in the log of `person`.
  void AppendAccess(std::string person, v1::AccessEntry entry, std::string entry_id);
  // Erasure (a person deleted in identity): the record as read, with every
  // version and index entry of it.
  void EraseRecommendation(v1::Recommendation stored);
  void EraseRequest(v1::RecommendationRequest stored);
  void EraseShare(internal::ShareRecord stored);
  void BlockRequester(std::string author, v1::BlockedRequester blocked);
  void UnblockRequester(std::string author, std::string requester);
  // The relationships change stream's cursor, saved with what it applied,
  // if the saved one is still `expected` (it was read from): where
  // replicas share the database, a consumer that lost its lease while
  // paused cannot apply a batch another has applied. (One process has one
  // consumer: embedded RocksDB does not compare.)
  void SetTrustCursor(std::string cursor, std::string expected);
  // The answer of a request that carried a request id (RequestLedger).
  void RecordRequest(std::optional<RequestRecord> record);
  // Acknowledged before it reaches the disk: it survives a crash of the
  // process at once and a power cut after a short bound (RocksDB: the
  // engine's deferred_sync_bound). For the log of dossier reads, whose
  // reader should not wait out a disk sync.
  void SyncLater() { sync_later_ = true; }
  bool sync_later() const { return sync_later_; }

  struct Put {
    v1::Recommendation recommendation;
    bool new_version;
    bool created;
    std::optional<v1::Recommendation> previous;
  };
  struct RequestPut {
    v1::RecommendationRequest request;
    bool created;
    std::optional<v1::RecommendationRequest> previous;
  };
  struct SharePut {
    internal::ShareRecord share;
    bool created;
    std::optional<internal::ShareRecord> previous;
  };
  struct Access {
    std::string person;
    v1::AccessEntry entry;
    std::string entry_id;
  };
  struct Block {
    std::string author;
    v1::BlockedRequester blocked;
  };
  const std::vector<Put>& recommendations() const { return recommendations_; }
  const std::vector<RequestPut>& requests() const { return requests_; }
  const std::vector<SharePut>& shares() const { return shares_; }
  const std::vector<Access>& accesses() const { return accesses_; }
  const std::vector<Block>& blocks() const { return blocks_; }
  const std::vector<std::pair<std::string, std::string>>& unblocks() const { return unblocks_; }
  const std::optional<std::string>& trust_cursor() const { return trust_cursor_; }
  const std::string& expected_trust_cursor() const { return expected_trust_cursor_; }
  const std::vector<RequestRecord>& request_records() const { return request_records_; }
  const std::vector<v1::Recommendation>& erased_recommendations() const {
    return erased_recommendations_;
  }
  const std::vector<v1::RecommendationRequest>& erased_requests() const { return erased_requests_; }
  const std::vector<internal::ShareRecord>& erased_shares() const { return erased_shares_; }

 private:
  std::vector<Put> recommendations_;
  std::vector<RequestPut> requests_;
  std::vector<SharePut> shares_;
  std::vector<Access> accesses_;
  std::vector<Block> blocks_;
  std::vector<std::pair<std::string, std::string>> unblocks_;
  std::optional<std::string> trust_cursor_;
  std::string expected_trust_cursor_;
  std::vector<RequestRecord> request_records_;
  std::vector<v1::Recommendation> erased_recommendations_;
  std::vector<v1::RecommendationRequest> erased_requests_;
  std::vector<internal::ShareRecord> erased_shares_;
  bool sync_later_ = false;
};

// What a read logged as `entry` still says once `person` is erased: nullopt
// for a read of their dossier (it leaves every log), else the entry without
// what it showed of theirs. EraseAccessLog's rule, in every store.
std::optional<v1::AccessEntry> AccessWithout(const v1::AccessEntry& entry,
                                             const std::string& person);
// Whose logs name a read: its subject and each author it showed.
std::vector<std::string> ReadersOf(const v1::AccessEntry& entry);

// An idempotency record as every store keeps it (records.proto).
internal::RequestRecord StoredRequest(const RequestRecord& request);
RequestRecord LoadedRequest(const RequestKey& key, const internal::RequestRecord& stored);

using RecommendationFilter = absl::FunctionRef<bool(const v1::Recommendation&)>;

class RecommendationStore : public SecretKeeper, public RequestLog {
 public:
  // nullopt when absent.
  virtual absl::StatusOr<std::optional<v1::Recommendation>> Recommendation(
      const std::string& id) const = 0;
  // The recommendations among ids that exist, in the order of ids.
  virtual absl::StatusOr<std::vector<v1::Recommendation>> Recommendations(
      const std::vector<std::string>& ids) const = 0;
  // A subject's (an author's) recommendations that `keep` accepts, `limit`
  // after `cursor`, newest first; refused ones change neither page sizes nor
  // whether a next page is announced.
  virtual absl::StatusOr<storage::Page<v1::Recommendation>> RecommendationsOfSubject(
      const std::string& subject, const std::string& cursor, int limit,
      RecommendationFilter keep) const = 0;
  virtual absl::StatusOr<storage::Page<v1::Recommendation>> RecommendationsByAuthor(
      const std::string& author, const std::string& cursor, int limit,
      RecommendationFilter keep) const = 0;
  // Every version kept of a recommendation, newest first.
  virtual absl::StatusOr<std::vector<v1::Recommendation>> Versions(const std::string& id) const = 0;
  // What an author wrote about a subject, whatever its state.
  virtual absl::StatusOr<std::vector<std::string>> RecommendationIdsOfPair(
      const std::string& author, const std::string& subject) const = 0;

  virtual absl::StatusOr<std::optional<v1::RecommendationRequest>> Request(
      const std::string& id) const = 0;
  // Requests addressed to an author (sent by a subject), newest first.
  virtual absl::StatusOr<storage::Page<v1::RecommendationRequest>> RequestsToAuthor(
      const std::string& author, const std::string& cursor, int limit) const = 0;
  virtual absl::StatusOr<storage::Page<v1::RecommendationRequest>> RequestsFromSubject(
      const std::string& subject, const std::string& cursor, int limit) const = 0;
  // The subject's open request to the author, if any.
  virtual absl::StatusOr<std::optional<v1::RecommendationRequest>> OpenRequest(
      const std::string& subject, const std::string& author) const = 0;
  // How many requests the subject sent since `since`, counting no further
  // than `up_to`.
  virtual absl::StatusOr<int> CountRequestsSince(const std::string& subject, absl::Time since,
                                                 int up_to) const = 0;

  // nullopt when the author did not block the requester.
  virtual absl::StatusOr<std::optional<v1::BlockedRequester>> Blocked(
      const std::string& author, const std::string& requester) const = 0;
  // The people an author blocked, in id order.
  virtual absl::StatusOr<storage::Page<v1::BlockedRequester>> BlockedRequesters(
      const std::string& author, const std::string& cursor, int limit) const = 0;
  virtual absl::StatusOr<int> CountBlocked(const std::string& author, int up_to) const = 0;

  virtual absl::StatusOr<std::optional<internal::ShareRecord>> Share(
      const std::string& id) const = 0;
  // The share a token opens, found by the token's SHA-256.
  virtual absl::StatusOr<std::optional<internal::ShareRecord>> ShareByTokenHash(
      const std::string& token_hash) const = 0;
  virtual absl::StatusOr<storage::Page<v1::Share>> SharesOfSubject(const std::string& subject,
                                                                   const std::string& cursor,
                                                                   int limit) const = 0;
  // Reads of dossiers that concern the person, newest first.
  virtual absl::StatusOr<storage::Page<v1::AccessEntry>> AccessLog(const std::string& person,
                                                                   const std::string& cursor,
                                                                   int limit) const = 0;
  // Erasure: takes up to `limit` entries out of the person's access log,
  // newest first, and what they say of the person out of the other
  // readers' logs: a read of the person's dossier leaves every log, a read
  // that showed the person's recommendations loses them (their ids and
  // what was shown). Returns how many entries left the person's log (0
  // once it is empty).
  virtual absl::StatusOr<int> EraseAccessLog(const std::string& person, int limit) = 0;
  // Erasure: every author's block of `requester` goes; returns how many.
  // Blocks are few (at most kMaxBlocked an author) and kept by author, so
  // this may read them all.
  virtual absl::StatusOr<int> EraseBlocksOf(const std::string& requester) = 0;
  // Markers kept in the database itself ("" when absent): where a follower
  // of another service's log stopped.
  virtual absl::StatusOr<std::string> Marker(const std::string& name) const = 0;
  virtual absl::Status SetMarker(const std::string& name, const std::string& value) = 0;

  // The relationships change stream's cursor ("" before the first change).
  virtual absl::StatusOr<std::string> TrustCursor() const = 0;

  // Applies the write atomically and durably.
  virtual absl::Status Apply(const RecommendationWrite& write) = 0;
  // Who may consume the relationships change stream, where replicas share
  // the database (`holder` names this one); null where one process serves
  // it, which then always may.
  virtual std::unique_ptr<storage::Leadership> ConsumerLeadership(const std::string& holder) {
    return nullptr;
  }

  // Backups and figures, for operators.
  virtual storage::StorageAdmin& admin() = 0;
};

}  // namespace trustsphere::recommendations
