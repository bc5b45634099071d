#pragma once

// A TrustStore that answers the graph queries (references, pending answers,
// facet holders, counts, and which statements a list pages through) from
// the trust graph in memory, and statement bodies from the store it wraps.
//
// The graph is built from the wrapped store when this opens and changed by
// that store's commit hook, inside each write's commit: a read after an
// acknowledged Apply sees the write, and a Snapshot pins the graph version
// that holds exactly the changes of the store's snapshot.

#include <memory>

#include "services/relationships/trust_graph.h"
#include "services/relationships/trust_store.h"

namespace trustsphere::relationships {

class GraphTrustStore final : public TrustStore {
 public:
  // Reads every statement of `store`, which nothing else may write, unless
  // `checkpoint` names a file SaveCheckpoint wrote for the store as it is
  // now. The file is removed either way: a checkpoint serves one start.
  static absl::StatusOr<std::unique_ptr<GraphTrustStore>> Open(std::unique_ptr<TrustStore> store,
                                                               const std::string& checkpoint = "");
  // Writes the graph to `checkpoint` for the next Open; at a clean stop,
  // once no write is in flight (FailedPrecondition otherwise).
  absl::Status SaveCheckpoint(const std::string& checkpoint) const;
  // Whether Open read the graph from a checkpoint.
  bool restored() const { return restored_; }

  std::unique_ptr<TrustReader> Snapshot() const override;
  std::unique_ptr<TrustReader> Latest() const override;
  absl::StatusOr<uint64_t> Apply(const std::vector<StatementChange>& changes,
                                 const std::optional<RequestRecord>& request) override {
    return store_->Apply(changes, request);
  }
  absl::StatusOr<std::vector<TrustChangeEntry>> Changes(uint64_t after, int limit) const override {
    return store_->Changes(after, limit);
  }
  uint64_t CommittedChangeSequence() const override { return store_->CommittedChangeSequence(); }
  uint64_t LastChangeSequence() const override { return store_->LastChangeSequence(); }
  std::string DatabaseIdentity() const override { return store_->DatabaseIdentity(); }
  // Called after the graph has the changes.
  void SetCommitHook(CommitHook hook) override { after_install_ = std::move(hook); }
  absl::StatusOr<std::optional<RequestRecord>> FindRequest(const RequestKey& key) const override {
    return store_->FindRequest(key);
  }
  absl::StatusOr<std::string> KeepSecret(const std::string& name,
                                         const std::string& fresh) override {
    return store_->KeepSecret(name, fresh);
  }
  storage::StorageAdmin& admin() override { return store_->admin(); }

  const TrustGraph& graph() const { return graph_; }
  // The store the bodies are read from.
  TrustStore& wrapped() { return *store_; }

 private:
  explicit GraphTrustStore(std::unique_ptr<TrustStore> store) : store_(std::move(store)) {}
  void InstallOnCommit();
  absl::Status Build();
  // What a checkpoint must have been written at: this database, at this
  // point of its change log.
  std::string CheckpointTag() const;

  std::unique_ptr<TrustStore> store_;
  // Pinned by const readers.
  mutable TrustGraph graph_;
  CommitHook after_install_;
  bool restored_ = false;
};

}  // namespace trustsphere::relationships
