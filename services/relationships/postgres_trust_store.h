#pragma once

// The relationships store port over a PostgreSQL-protocol database
// (distributed mode). Tables, keys and ids as bytea so that every order is
// the bytes' order whatever the collation:
//   relationships_statements  one row a statement, its activity and
//                             visibility beside the record, and an index by
//                             trustee: references, pending answers and
//                             counts are queries over it;
//   relationships_facets      one row per facet inside an active statement;
//   relationships_pairs       one row per pair of people, locked by every
//                             write to either direction;
//   relationships_changes     the change log, numbered in commit order
//                             through relationships_change_head (as in
//                             PostgresIdentityStore);
//   relationships_requests, _secrets, _markers.
//
// The port's callers read a pair's statements before they write (its
// StatementChange), under a lock of their own process only. Apply locks
// the pair in the database and checks that both statements are still what
// the change says: when another replica changed one since, it writes
// nothing and answers ABORTED, so the counts and indexes never follow a
// state that was not the one stored.
//
// The commit hook runs for every change in the log, in sequence order,
// whichever replica wrote it: numbers are taken, committed and hooked under
// one process lock (which costs no concurrency, the head row already orders
// every writer), and the changes other replicas committed are read from the
// log and hooked first, by Settle and by a write once it holds the head.
// Each write NOTIFYs kChangeChannel at its commit, so that a
// PgChangeFollower calling Settle keeps an idle replica current without
// polling (where the engine has NOTIFY).

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "absl/synchronization/mutex.h"
#include "services/relationships/trust_store.h"
#include "storage/postgres/pg_admin.h"
#include "storage/postgres/pg_pool.h"

namespace trustsphere::relationships {

class PostgresTrustStore final : public TrustStore {
 public:
  // The channel every write NOTIFYs.
  static constexpr char kChangeChannel[] = "relationships_changes";

  // Connects through `pool`, creating or migrating the tables.
  static absl::StatusOr<std::unique_ptr<PostgresTrustStore>> Open(
      std::unique_ptr<storage::postgres::PgPool> pool);

  std::unique_ptr<TrustReader> Snapshot() const override;
  std::function<std::unique_ptr<TrustReader>()> PrepareSnapshot() const override;
  std::unique_ptr<TrustReader> Latest() const override;
  absl::StatusOr<uint64_t> Apply(const std::vector<StatementChange>& changes,
                                 const std::optional<RequestRecord>& request) override;
  absl::StatusOr<std::vector<TrustChangeEntry>> Changes(uint64_t after, int limit) const override;
  uint64_t CommittedChangeSequence() const override;
  uint64_t LastChangeSequence() const override;
  void SetCommitHook(CommitHook hook) override { commit_hook_ = std::move(hook); }
  void SetCommittedListener(std::function<void()> listener) override {
    committed_listener_ = std::move(listener);
  }
  absl::Status Settle() override;
  absl::StatusOr<std::string> Marker(const std::string& name) const override;
  absl::Status SetMarker(const std::string& name, const std::string& value) override;
  absl::StatusOr<std::optional<RequestRecord>> FindRequest(const RequestKey& key) const override;
  absl::StatusOr<std::string> KeepSecret(const std::string& name,
                                         const std::string& fresh) override;
  storage::StorageAdmin& admin() override { return admin_; }

 private:
  // A write whose COMMIT was sent and whose answer was lost.
  struct Unresolved {
    std::vector<StatementChange> changes;
    std::vector<uint64_t> sequences;
    // The first change entry as written: found under its sequence, it
    // shows that the write committed.
    std::string first_entry;
  };

  PostgresTrustStore(std::unique_ptr<storage::postgres::PgPool> pool, uint64_t head, bool notifies);
  // Under sequence_mu_: hooks an unresolved write that did commit, or
  // gives its numbers back. Read on `connection` once the change head is
  // free or held by it (so that a lost commit still running has ended).
  absl::Status Resolve(storage::postgres::PgConnection& connection, bool holds_head)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(sequence_mu_);
  // Under sequence_mu_: resolves, then hooks every change of the log above
  // the committed watermark, read on `connection` (when it `holds_head`,
  // exactly those below its own numbers).
  absl::Status CatchUp(storage::postgres::PgConnection& connection, bool holds_head)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(sequence_mu_);
  // Moves the watermark up to `sequence`; the listener is told by
  // WakeIfDue, once sequence_mu_ is released.
  void Committed(uint64_t sequence) ABSL_EXCLUSIVE_LOCKS_REQUIRED(sequence_mu_);
  void WakeIfDue() ABSL_LOCKS_EXCLUDED(sequence_mu_);

  std::unique_ptr<storage::postgres::PgPool> pool_;
  storage::postgres::PgAdmin admin_;
  CommitHook commit_hook_;
  std::function<void()> committed_listener_;
  std::atomic<bool> wake_due_ = false;
  // Takes a write's numbers, and NOTIFYs where the engine can (YugabyteDB
  // cannot).
  const std::string head_sql_;

  // Held from taking a write's numbers until its hook has returned.
  absl::Mutex sequence_mu_;
  // Settled when a snapshot holds it: a committed change no hook had seen
  // would keep the trust graph from ever agreeing with the snapshot.
  std::optional<Unresolved> unresolved_ ABSL_GUARDED_BY(sequence_mu_);
  mutable absl::Mutex positions_mu_;
  uint64_t committed_ ABSL_GUARDED_BY(positions_mu_) = 0;
  uint64_t last_ ABSL_GUARDED_BY(positions_mu_) = 0;
};

}  // namespace trustsphere::relationships
