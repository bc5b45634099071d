#pragma once

// Persistence of the recommendations service: typed reads, and the batch
// operations that keep each record and its indexes together. Knows the key
// layout, decides nothing.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "records.pb.h"
#include "services/common/core/page_token.h"
#include "storage/engine.h"
#include "trustsphere/recommendations/v1/recommendations.pb.h"

namespace trustsphere::recommendations::store {

class EngineSecrets final : public SecretKeeper {
 public:
  explicit EngineSecrets(storage::Engine& engine) : engine_(engine) {}
  absl::StatusOr<std::string> KeepSecret(const std::string& name,
                                         const std::string& fresh) override {
    return engine_.KeepMeta(name, fresh);
  }

 private:
  storage::Engine& engine_;
};

absl::StatusOr<std::unique_ptr<storage::Engine>> Open(const std::string& path, bool sync_writes);

// NotFound when absent.
absl::StatusOr<v1::Recommendation> GetRecommendation(const storage::Engine& engine,
                                                     const std::string& id,
                                                     const storage::Snapshot* snapshot = nullptr);
absl::StatusOr<v1::RecommendationRequest> GetRequest(const storage::Engine& engine,
                                                     const std::string& id);
absl::StatusOr<internal::ShareRecord> GetShare(const storage::Engine& engine,
                                               const std::string& id);
// The share a token opens, found by the token's hash; NotFound when none.
absl::StatusOr<internal::ShareRecord> FindShareByTokenHash(const storage::Engine& engine,
                                                           const std::string& token_hash);

// The latest state; with `new_version`, also kept as that version; with
// `created`, also indexed by subject, author and pair.
void PutRecommendation(storage::WriteBatch& batch, const v1::Recommendation& recommendation,
                       bool new_version, bool created);
void PutRequest(storage::WriteBatch& batch, const v1::RecommendationRequest& request, bool created);
void PutShare(storage::WriteBatch& batch, const internal::ShareRecord& share, bool created);
// One read of a dossier, in the log of `person`.
void AppendAccess(storage::WriteBatch& batch, const std::string& person,
                  const v1::AccessEntry& entry, const std::string& entry_id);

// Microseconds since the epoch, the unit of timeline keys.
int64_t Micros(const google::protobuf::Timestamp& time);

}  // namespace trustsphere::recommendations::store
