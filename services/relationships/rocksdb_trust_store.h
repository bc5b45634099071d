#pragma once

// TrustStore over the embedded RocksDB engine: the only code that knows the
// relationships key layout (relationships_keys.h, storage/KEY_LAYOUT.md).
// Apply writes the statement and its change entry, and with the indexes
// kept (TrustIndexes::kKept), in the same batch:
//   incoming   mirrors statements;
//   references holds (a, b) and (b, a) exactly when a->b and b->a are active;
//   pending    holds (b, a) exactly when a->b is active and b->a is not;
//   facets     holds one entry per facet inside an active statement;
//   counters   adds DeltasOf(change) to both people's counts (merges: no read).
// The caller serialises changes to one pair of people.
//
// With TrustIndexes::kLeftToTheGraph, for a store wrapped by GraphTrustStore,
// which answers every index query from memory and rebuilds from the
// statements alone, Apply writes 2 keys a statement instead of about 16, and
// the reader's index queries are FAILED_PRECONDITION. The choice is recorded
// in the database: once left to the graph, opening with kKept is refused
// (the indexes stopped following the statements).

#include <memory>
#include <string>

#include "services/relationships/trust_store.h"
#include "storage/engine.h"

namespace trustsphere::relationships {

enum class TrustIndexes { kKept, kLeftToTheGraph };

class RocksDbTrustStore final : public TrustStore {
 public:
  // Opens (or creates) the database in `path`, migrating an older layout.
  static absl::StatusOr<std::unique_ptr<RocksDbTrustStore>> Open(
      const std::string& path, bool sync_writes, TrustIndexes indexes = TrustIndexes::kKept);

  std::unique_ptr<TrustReader> Snapshot() const override;
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
  absl::StatusOr<std::string> Marker(const std::string& name) const override;
  absl::Status SetMarker(const std::string& name, const std::string& value) override;
  absl::StatusOr<std::optional<RequestRecord>> FindRequest(const RequestKey& key) const override;
  absl::StatusOr<std::string> KeepSecret(const std::string& name,
                                         const std::string& fresh) override;
  storage::StorageAdmin& admin() override { return *engine_; }

 private:
  RocksDbTrustStore(std::unique_ptr<storage::Engine> engine, TrustIndexes indexes)
      : engine_(std::move(engine)), indexes_(indexes) {}
  std::unique_ptr<storage::Engine> engine_;
  const TrustIndexes indexes_;
  CommitHook commit_hook_;
  std::function<void()> committed_listener_;
};

// Version 1 to 2: counts every person's statements into `counters`.
absl::Status CountStatements(storage::Engine& engine);

}  // namespace trustsphere::relationships
