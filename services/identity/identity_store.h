#pragma once

// The identity service's store port: people, their credentials and
// positions, the tag vocabulary, idempotency records and the change log,
// as typed records and queries. IdentityLogic decides; an implementation
// (RocksDbIdentityStore) persists and is the only code that knows how.
//
// Every method may be called from any thread. A query answers from one
// point in time (an index and the records it names agree).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "records.pb.h"
#include "services/common/core/page_token.h"
#include "services/common/core/request_ledger.h"
#include "services/identity/login_throttle.h"
#include "storage/page.h"
#include "storage/storage_admin.h"
#include "trustsphere/identity/v1/identity.pb.h"

namespace trustsphere::identity {

// The changes of one identity write, applied together or not at all.
class IdentityWrite {
 public:
  // A person's record, new or replacing `previous` (the stored one): the
  // email index follows normalized_email (a tombstone has none), the search
  // index follows search.words.
  void PutPerson(internal::PersonRecord record,
                 std::optional<internal::PersonRecord> previous = std::nullopt);
  // A position, new or replacing `previous` (re-indexed by organisation and
  // start).
  void PutPosition(v1::Position position, std::optional<v1::Position> previous = std::nullopt);
  void RemovePosition(v1::Position position);
  // A tag, new or replacing `previous` (the stored one).
  void PutTag(v1::Tag tag, std::optional<v1::Tag> previous = std::nullopt);
  // The answer of a request that carried a request id (RequestLedger).
  void RecordRequest(std::optional<RequestRecord> record);
  // A session, new or replacing `previous` (the stored one).
  void PutSession(internal::SessionRecord session,
                  std::optional<internal::SessionRecord> previous = std::nullopt);
  // Ends a session: its record goes and the log says until when its
  // access tokens are to be refused.
  void RevokeSession(const internal::SessionRecord& session, absl::Time tokens_valid_until);
  // Removes a session the log need not mention (expired, or its person
  // deleted: no token of it is valid any more or one is refused anyway).
  void DropSession(internal::SessionRecord session);
  // A precondition only: the person's stored record is still `record`
  // (the logic's locks make it so in one process; over a shared database
  // the write is refused, ABORTED, when another replica changed it).
  void RequireUnchanged(const internal::PersonRecord& record) { unchanged_.push_back(record); }
  // An entry of the change log, numbered when the write commits.
  void Log(internal::Change::Kind kind, const std::string& person_id,
           const std::string& position_id = "");

  struct PersonPut {
    internal::PersonRecord record;
    std::optional<internal::PersonRecord> previous;
  };
  struct PositionPut {
    v1::Position position;
    std::optional<v1::Position> previous;
  };
  struct SessionPut {
    internal::SessionRecord session;
    std::optional<internal::SessionRecord> previous;
  };
  struct TagPut {
    v1::Tag tag;
    std::optional<v1::Tag> previous;
  };
  const std::vector<PersonPut>& persons() const { return persons_; }
  const std::vector<PositionPut>& positions() const { return positions_; }
  const std::vector<v1::Position>& removed_positions() const { return removed_positions_; }
  const std::vector<SessionPut>& sessions() const { return sessions_; }
  const std::vector<internal::SessionRecord>& removed_sessions() const { return removed_sessions_; }
  const std::vector<TagPut>& tags() const { return tags_; }
  const std::vector<internal::PersonRecord>& unchanged() const { return unchanged_; }
  const std::vector<RequestRecord>& requests() const { return requests_; }
  const std::vector<internal::Change>& changes() const { return changes_; }

 private:
  std::vector<PersonPut> persons_;
  std::vector<PositionPut> positions_;
  std::vector<v1::Position> removed_positions_;
  std::vector<SessionPut> sessions_;
  std::vector<internal::SessionRecord> removed_sessions_;
  std::vector<TagPut> tags_;
  std::vector<internal::PersonRecord> unchanged_;
  std::vector<RequestRecord> requests_;
  std::vector<internal::Change> changes_;
};

// A request record as every store keeps it, and back.
internal::RequestRecord StoredRequest(const RequestRecord& request);
RequestRecord LoadedRequest(const RequestKey& key, const internal::RequestRecord& stored);

// Which positions may overlap a period at one organisation.
struct OverlapQuery {
  std::string organization_key;
  int start_month = 0;
  // Unset: the period is ongoing.
  std::optional<int> end_month;
  // Whose positions are left out (the person asking).
  std::string excluded_person_id;
};

// One entry of the search index: a word of a person's name.
struct SearchHit {
  std::string word;
  std::string person_id;
  internal::SearchEntry entry;
};

struct ChangeEntry {
  uint64_t sequence = 0;
  internal::Change change;
};

class IdentityStore : public SecretKeeper, public RequestLog {
 public:
  // nullopt when absent (a deleted person is a tombstone, not absent).
  virtual absl::StatusOr<std::optional<internal::PersonRecord>> Person(
      const std::string& id) const = 0;
  // The records among ids that exist, in the order of ids.
  virtual absl::StatusOr<std::vector<internal::PersonRecord>> Persons(
      const std::vector<std::string>& ids) const = 0;
  virtual absl::StatusOr<std::optional<std::string>> PersonIdByEmail(
      const std::string& normalized_email) const = 0;

  virtual absl::StatusOr<std::optional<v1::Position>> Position(const std::string& id) const = 0;
  // The positions among ids that exist, in the order of ids.
  virtual absl::StatusOr<std::vector<v1::Position>> Positions(
      const std::vector<std::string>& ids) const = 0;
  // A person's positions, latest start first, `limit` after `cursor`.
  virtual absl::StatusOr<storage::Page<v1::Position>> PositionsOf(const std::string& person_id,
                                                                  const std::string& cursor,
                                                                  int limit) const = 0;
  // How many positions a person holds, counting no further than `up_to`.
  virtual absl::StatusOr<int> CountPositions(const std::string& person_id, int up_to) const = 0;
  // Positions at query.organization_key overlapping the query's period, in
  // (start month, id) order, at most `limit`. At most `max_examined` index
  // entries are read per call: a page may be short, even empty, and still
  // carry a cursor.
  virtual absl::StatusOr<storage::Page<v1::Position>> OverlappingPositions(
      const OverlapQuery& query, const std::string& cursor, int limit, int max_examined) const = 0;

  // The search index's entries whose word starts with `word_prefix`, in
  // (word, person id) order, at most `limit`: a word equal to the prefix
  // comes before the longer ones. A person's entries follow their record's
  // `search` (PutPerson keeps them in step).
  virtual absl::StatusOr<std::vector<SearchHit>> SearchWords(const std::string& word_prefix,
                                                             int limit) const = 0;

  // nullopt when absent (ended sessions are removed).
  virtual absl::StatusOr<std::optional<internal::SessionRecord>> Session(
      const std::string& id) const = 0;
  // Sessions whose refresh token expired at or before `now`, at most
  // `limit`, in no particular order (a sweep drops them).
  virtual absl::StatusOr<std::vector<internal::SessionRecord>> ExpiredSessions(absl::Time now,
                                                                               int limit) const = 0;
  // A person's sessions, newest login first, `limit` after `cursor`.
  virtual absl::StatusOr<storage::Page<internal::SessionRecord>> SessionsOf(
      const std::string& person_id, const std::string& cursor, int limit) const = 0;

  // nullopt when the tag was never used.
  virtual absl::StatusOr<std::optional<v1::Tag>> Tag(common::v1::FacetKind kind,
                                                     const std::string& key) const = 0;
  // Tags of `kind` whose key starts with `key_prefix`, in key order, at
  // most `limit`.
  virtual absl::StatusOr<std::vector<v1::Tag>> TagsWithPrefix(common::v1::FacetKind kind,
                                                              const std::string& key_prefix,
                                                              int limit) const = 0;

  // Applies the write atomically and durably.
  virtual absl::Status Apply(const IdentityWrite& write) = 0;
  // Change-log entries after `after`, in commit order, at most `limit`,
  // never past an entry that may still be in flight.
  virtual absl::StatusOr<std::vector<ChangeEntry>> Changes(uint64_t after, int limit) const = 0;

  // A named value kept in the store ("" when never set): where a pass over
  // the change log stopped.
  virtual absl::StatusOr<std::string> Marker(const std::string& name) const = 0;
  virtual absl::Status SetMarker(const std::string& name, const std::string& value) = 0;

  // A login throttle that every replica sharing this database counts in;
  // null where one process serves the database (the logic then keeps the
  // failures in memory).
  virtual std::unique_ptr<LoginThrottle> SharedLoginThrottle() { return nullptr; }

  // Backups and figures, for operators.
  virtual storage::StorageAdmin& admin() = 0;
};

}  // namespace trustsphere::identity
