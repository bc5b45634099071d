#include "services/recommendations/recommendation_store.h"

#include "services/recommendations/recommendations_keys.h"
#include "storage/proto_value.h"

namespace trustsphere::recommendations::store {

using storage::ParseValue;
using storage::WriteBatch;

int64_t Micros(const google::protobuf::Timestamp& time) {
  return time.seconds() * 1000000 + time.nanos() / 1000;
}

absl::StatusOr<std::unique_ptr<storage::Engine>> Open(const std::string& path, bool sync_writes) {
  storage::EngineOptions options;
  options.path = path;
  options.families = keys::FamilyNames();
  options.prefixed_families = keys::PrefixedFamilies();
  options.schema_version = keys::kSchemaVersion;
  options.sync_writes = sync_writes;
  return storage::Engine::Open(std::move(options));
}

absl::StatusOr<v1::Recommendation> GetRecommendation(const storage::Engine& engine,
                                                     const std::string& id,
                                                     const storage::Snapshot* snapshot) {
  return ParseValue<v1::Recommendation>(engine.Get(keys::kRecommendations, keys::Id(id), snapshot));
}

absl::StatusOr<v1::RecommendationRequest> GetRequest(const storage::Engine& engine,
                                                     const std::string& id) {
  return ParseValue<v1::RecommendationRequest>(engine.Get(keys::kRequests, keys::Id(id)));
}

absl::StatusOr<internal::ShareRecord> GetShare(const storage::Engine& engine,
                                               const std::string& id) {
  return ParseValue<internal::ShareRecord>(engine.Get(keys::kShares, keys::Id(id)));
}

absl::StatusOr<internal::ShareRecord> FindShareByTokenHash(const storage::Engine& engine,
                                                           const std::string& token_hash) {
  auto id = engine.Get(keys::kShareTokens, keys::ShareToken(token_hash));
  if (!id.ok()) return id.status();
  return GetShare(engine, *id);
}

void PutRecommendation(WriteBatch& batch, const v1::Recommendation& recommendation,
                       bool new_version, bool created) {
  const std::string value = recommendation.SerializeAsString();
  batch.Put(keys::kRecommendations, keys::Id(recommendation.id()), value);
  if (new_version) {
    batch.Put(keys::kVersions,
              keys::Version(recommendation.id(), static_cast<uint32_t>(recommendation.version())),
              value);
  }
  if (created) {
    const int64_t micros = Micros(recommendation.create_time());
    batch.Put(keys::kBySubject,
              keys::Timeline(recommendation.subject_id(), micros, recommendation.id()), "");
    batch.Put(keys::kByAuthor,
              keys::Timeline(recommendation.author_id(), micros, recommendation.id()), "");
    batch.Put(
        keys::kByPair,
        keys::Pair(recommendation.author_id(), recommendation.subject_id(), recommendation.id()),
        "");
  }
}

void PutRequest(WriteBatch& batch, const v1::RecommendationRequest& request, bool created) {
  batch.Put(keys::kRequests, keys::Id(request.id()), request.SerializeAsString());
  if (created) {
    const int64_t micros = Micros(request.create_time());
    batch.Put(keys::kRequestsByAuthor, keys::Timeline(request.author_id(), micros, request.id()),
              "");
    batch.Put(keys::kRequestsBySubject, keys::Timeline(request.subject_id(), micros, request.id()),
              "");
  }
}

void PutShare(WriteBatch& batch, const internal::ShareRecord& share, bool created) {
  batch.Put(keys::kShares, keys::Id(share.share().id()), share.SerializeAsString());
  if (created) {
    batch.Put(keys::kShareTokens, keys::ShareToken(share.token_hash()), share.share().id());
    batch.Put(keys::kSharesBySubject,
              keys::Timeline(share.share().subject_id(), Micros(share.share().create_time()),
                             share.share().id()),
              "");
  }
}

void AppendAccess(WriteBatch& batch, const std::string& person, const v1::AccessEntry& entry,
                  const std::string& entry_id) {
  batch.Put(keys::kAccessLog, keys::Timeline(person, Micros(entry.time()), entry_id),
            entry.SerializeAsString());
}

}  // namespace trustsphere::recommendations::store
