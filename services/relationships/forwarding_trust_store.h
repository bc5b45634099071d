#pragma once

// A TrustStore that hands every call to the store it wraps: the base of
// stores that add to another one (the trust graph), overriding only what
// they change.

#include <memory>
#include <string>
#include <vector>

#include "services/relationships/trust_store.h"

namespace trustsphere::relationships {

class ForwardingTrustStore : public TrustStore {
 public:
  explicit ForwardingTrustStore(std::unique_ptr<TrustStore> store) : store_(std::move(store)) {}

  std::unique_ptr<TrustReader> Snapshot() const override { return store_->Snapshot(); }
  std::function<std::unique_ptr<TrustReader>()> PrepareSnapshot() const override {
    return store_->PrepareSnapshot();
  }
  std::unique_ptr<TrustReader> Latest() const override { return store_->Latest(); }
  absl::StatusOr<uint64_t> Apply(const std::vector<StatementChange>& changes,
                                 const std::optional<RequestRecord>& request) override {
    return store_->Apply(changes, request);
  }
  absl::StatusOr<std::vector<TrustChangeEntry>> Changes(uint64_t after, int limit) const override {
    return store_->Changes(after, limit);
  }
  uint64_t CommittedChangeSequence() const override { return store_->CommittedChangeSequence(); }
  uint64_t LastChangeSequence() const override { return store_->LastChangeSequence(); }
  void SetCommitHook(CommitHook hook) override { store_->SetCommitHook(std::move(hook)); }
  void SetCommittedListener(std::function<void()> listener) override {
    store_->SetCommittedListener(std::move(listener));
  }
  absl::Status Settle() override { return store_->Settle(); }
  absl::StatusOr<std::string> Marker(const std::string& name) const override {
    return store_->Marker(name);
  }
  absl::Status SetMarker(const std::string& name, const std::string& value) override {
    return store_->SetMarker(name, value);
  }
  absl::StatusOr<std::optional<RequestRecord>> FindRequest(const RequestKey& key) const override {
    return store_->FindRequest(key);
  }
  absl::StatusOr<std::string> KeepSecret(const std::string& name,
                                         const std::string& fresh) override {
    return store_->KeepSecret(name, fresh);
  }
  storage::StorageAdmin& admin() override { return store_->admin(); }

  // The store every call goes to.
  TrustStore& wrapped() const { return *store_; }

 private:
  std::unique_ptr<TrustStore> store_;
};

}  // namespace trustsphere::relationships
