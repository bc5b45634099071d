#pragma once

// A TrustStore that answers the graph queries (references, pending answers,
// facet holders, counts, and which statements a list pages through) from
// the trust graph in memory, and statement bodies from the store it wraps.
//
// The graph is built from the wrapped store when this opens and changed by
// that store's commit hook, inside each write's commit: a read after an
// acknowledged Apply sees the write, and a Snapshot pins the graph version
// that holds exactly the changes of the store's snapshot. Over a shared
// database the hook also brings other replicas' changes, when the store
// settles: a snapshot that holds one the graph lacks settles first, so a
// snapshot read sees every write committed before it began, wherever.

#include <memory>

#include "absl/synchronization/mutex.h"

#include "services/relationships/forwarding_trust_store.h"
#include "services/relationships/trust_graph.h"
#include "services/relationships/trust_store.h"

namespace trustsphere::relationships {

class GraphTrustStore final : public ForwardingTrustStore {
 public:
  // Reads every statement of `store` (then what other writers of a shared
  // database added meanwhile, through Settle), unless
  // `checkpoint` names the file SaveCheckpoint wrote at the store's last
  // clean stop. The store's marker of that checkpoint is removed (durably)
  // before the file is read: a checkpoint serves one start, never one after
  // a crash, a restore or writes it does not hold.
  static absl::StatusOr<std::unique_ptr<GraphTrustStore>> Open(std::unique_ptr<TrustStore> store,
                                                               const std::string& checkpoint = "");
  // Ends writes (a later Apply is FailedPrecondition) once those in flight
  // have landed, then writes the graph to `checkpoint` and marks the store
  // with it, for the next Open. At a clean stop.
  absl::Status SaveCheckpoint(const std::string& checkpoint);
  // Whether Open read the graph from a checkpoint.
  bool restored() const { return restored_; }

  std::unique_ptr<TrustReader> Snapshot() const override;
  std::unique_ptr<TrustReader> Latest() const override;
  absl::StatusOr<uint64_t> Apply(const std::vector<StatementChange>& changes,
                                 const std::optional<RequestRecord>& request) override;
  // Called after the graph has the changes.
  void SetCommitHook(CommitHook hook) override { after_install_ = std::move(hook); }

  const TrustGraph& graph() const { return graph_; }

 private:
  explicit GraphTrustStore(std::unique_ptr<TrustStore> store)
      : ForwardingTrustStore(std::move(store)) {}
  void InstallOnCommit();
  absl::Status Build();
  // Reads the checkpoint the store's marker names, if any.
  absl::StatusOr<bool> Restore(const std::string& checkpoint);

  // Pinned by const readers.
  mutable TrustGraph graph_;
  CommitHook after_install_;
  bool restored_ = false;
  // Writes hold it shared; SaveCheckpoint holds it to end them.
  absl::Mutex writes_mu_;
  bool sealed_ ABSL_GUARDED_BY(writes_mu_) = false;
};

}  // namespace trustsphere::relationships
