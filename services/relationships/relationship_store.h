#pragma once

// Persistence of the relationships service. WriteStatement keeps a statement
// and every index derived from it (incoming, references, pending, facets,
// change log) consistent in one batch; the caller holds the pair's lock.

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "records.pb.h"
#include "services/common/core/page_token.h"
#include "storage/engine.h"
#include "trustsphere/relationships/v1/relationships.pb.h"

namespace trustsphere::relationships {

class RelationshipStore : public SecretKeeper {
 public:
  absl::StatusOr<std::string> KeepSecret(const std::string& name,
                                         const std::string& fresh) override {
    return engine_->KeepMeta(name, fresh);
  }
  static absl::StatusOr<std::unique_ptr<RelationshipStore>> Open(const std::string& path,
                                                                 bool sync_writes);

  storage::Engine& engine() { return *engine_; }

  // NotFound when the truster never stated anything about the trustee.
  absl::StatusOr<v1::TrustStatement> GetStatement(
      const std::string& truster, const std::string& trustee,
      const storage::Snapshot* snapshot = nullptr) const;
  // nullopt when absent.
  absl::StatusOr<std::optional<v1::TrustStatement>> FindStatement(
      const std::string& truster, const std::string& trustee,
      const storage::Snapshot* snapshot = nullptr) const;
  // The statements of several (truster, trustee) pairs, in one read at one
  // point in time; nullopt where a pair has none.
  absl::StatusOr<std::vector<std::optional<v1::TrustStatement>>> GetStatements(
      const std::vector<std::pair<std::string, std::string>>& pairs,
      const storage::Snapshot* snapshot = nullptr) const;
  // The mutual-reference edge (person, other), nullopt when they are not
  // mutual references.
  absl::StatusOr<std::optional<internal::ReferenceEdge>> GetEdge(
      const std::string& person, const std::string& other,
      const storage::Snapshot* snapshot = nullptr) const;
  absl::StatusOr<std::optional<internal::RequestRecord>> GetRequest(
      const std::string& caller, const std::string& request_id) const;

  // Adds to `batch` the new state `after` of a statement whose previous
  // state was `before`, with `reverse` the current statement the other way,
  // and the change-log entry.
  static void WriteStatement(storage::WriteBatch& batch,
                             const std::optional<v1::TrustStatement>& before,
                             const v1::TrustStatement& after,
                             const std::optional<v1::TrustStatement>& reverse, v1::ChangeKind kind);
  static void PutRequest(storage::WriteBatch& batch, const std::string& caller,
                         const std::string& request_id, const internal::RequestRecord& record);

  absl::Status Commit(storage::WriteBatch batch);

 private:
  explicit RelationshipStore(std::unique_ptr<storage::Engine> engine)
      : engine_(std::move(engine)) {}
  std::unique_ptr<storage::Engine> engine_;
};

// Active, and so counted in references, facets and pending.
inline bool IsActive(const std::optional<v1::TrustStatement>& statement) {
  return statement && statement->state() == v1::TRUST_STATE_ACTIVE;
}

}  // namespace trustsphere::relationships
