#pragma once

// RecommendationStore over the embedded RocksDB engine: the only code that
// knows the recommendations key layout (recommendations_keys.h,
// storage/KEY_LAYOUT.md).

#include <memory>
#include <string>

#include "services/recommendations/recommendation_store.h"
#include "storage/engine.h"

namespace trustsphere::recommendations {

class RocksDbRecommendationStore final : public RecommendationStore {
 public:
  // Opens (or creates) the database in `path`, migrating an older layout.
  static absl::StatusOr<std::unique_ptr<RocksDbRecommendationStore>> Open(const std::string& path,
                                                                          bool sync_writes);

  absl::StatusOr<std::optional<v1::Recommendation>> Recommendation(
      const std::string& id) const override;
  absl::StatusOr<std::vector<v1::Recommendation>> Recommendations(
      const std::vector<std::string>& ids) const override;
  absl::StatusOr<storage::Page<v1::Recommendation>> RecommendationsOfSubject(
      const std::string& subject, const std::string& cursor, int limit,
      RecommendationFilter keep) const override;
  absl::StatusOr<storage::Page<v1::Recommendation>> RecommendationsByAuthor(
      const std::string& author, const std::string& cursor, int limit,
      RecommendationFilter keep) const override;
  absl::StatusOr<std::vector<v1::Recommendation>> Versions(const std::string& id) const override;
  absl::StatusOr<std::vector<std::string>> RecommendationIdsOfPair(
      const std::string& author, const std::string& subject) const override;
  absl::StatusOr<std::optional<v1::RecommendationRequest>> Request(
      const std::string& id) const override;
  absl::StatusOr<storage::Page<v1::RecommendationRequest>> RequestsToAuthor(
      const std::string& author, const std::string& cursor, int limit) const override;
  absl::StatusOr<storage::Page<v1::RecommendationRequest>> RequestsFromSubject(
      const std::string& subject, const std::string& cursor, int limit) const override;
  absl::StatusOr<std::optional<v1::RecommendationRequest>> OpenRequest(
      const std::string& subject, const std::string& author) const override;
  absl::StatusOr<int> CountRequestsSince(const std::string& subject, absl::Time since,
                                         int up_to) const override;
  absl::StatusOr<std::optional<v1::BlockedRequester>> Blocked(
      const std::string& author, const std::string& requester) const override;
  absl::StatusOr<storage::Page<v1::BlockedRequester>> BlockedRequesters(const std::string& author,
                                                                        const std::string& cursor,
                                                                        int limit) const override;
  absl::StatusOr<int> CountBlocked(const std::string& author, int up_to) const override;
  absl::StatusOr<std::optional<internal::ShareRecord>> Share(const std::string& id) const override;
  absl::StatusOr<std::optional<internal::ShareRecord>> ShareByTokenHash(
      const std::string& token_hash) const override;
  absl::StatusOr<storage::Page<v1::Share>> SharesOfSubject(const std::string& subject,
                                                           const std::string& cursor,
                                                           int limit) const override;
  absl::StatusOr<storage::Page<v1::AccessEntry>> AccessLog(const std::string& person,
                                                           const std::string& cursor,
                                                           int limit) const override;
  absl::StatusOr<int> EraseAccessLog(const std::string& person, int limit) override;
  absl::StatusOr<int> EraseBlocksOf(const std::string& requester) override;
  absl::StatusOr<std::string> Marker(const std::string& name) const override;
  absl::Status SetMarker(const std::string& name, const std::string& value) override;
  absl::StatusOr<std::string> TrustCursor() const override;
  absl::Status Apply(const RecommendationWrite& write) override;
  absl::StatusOr<std::optional<RequestRecord>> FindRequest(const RequestKey& key) const override;
  absl::StatusOr<std::string> KeepSecret(const std::string& name,
                                         const std::string& fresh) override;
  storage::StorageAdmin& admin() override { return *engine_; }

 private:
  explicit RocksDbRecommendationStore(std::unique_ptr<storage::Engine> engine)
      : engine_(std::move(engine)) {}
  // One page of a timeline index whose entries name records of `records`.
  template <typename Record>
  absl::StatusOr<storage::Page<Record>> Timeline(storage::Family index, storage::Family records,
                                                 const std::string& person,
                                                 const std::string& cursor, int limit,
                                                 absl::FunctionRef<bool(const Record&)> keep) const;

  std::unique_ptr<storage::Engine> engine_;
};

// Version 1 to 2: indexes every request by (author, subject).
absl::Status IndexRequestsByPair(storage::Engine& engine);

}  // namespace trustsphere::recommendations
