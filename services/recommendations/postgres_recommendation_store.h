#pragma once

// The recommendations store port over a PostgreSQL-protocol database
// (distributed mode): the records of RocksDbRecommendationStore as tables
// named recommendations_*, their indexed fields in columns beside each
// record (the migrations are in postgres_recommendation_store.cc). Ids and
// keys are bytea, so that every order is the bytes' order. Timelines list
// newest first by (microseconds, id), as the RocksDB keys do; a page
// cursor is "<microseconds>:<id>".
//
// A write is one transaction. A write that may sync later (the log of
// dossier reads) commits with synchronous_commit off: acknowledged once
// the database has it, before its WAL reaches the disk, which loses it
// only if the database itself crashes within a few hundred milliseconds.
//
// Replicas: the logic checks what it read under locks of its own process.
// A write therefore locks each record it replaces and compares it with the
// state the logic read; each record it creates is inserted only if its id
// is free and, for a request, only if its pair has no open request (a
// partial unique index); the stream's cursor moves only from where it was
// read. Otherwise nothing is written and the call is ABORTED.

#include <memory>
#include <string>

#include "services/recommendations/recommendation_store.h"
#include "storage/postgres/pg_admin.h"
#include "storage/postgres/pg_pool.h"

namespace trustsphere::recommendations {

class PostgresRecommendationStore final : public RecommendationStore {
 public:
  // Connects through `pool`, creating or migrating the tables.
  static absl::StatusOr<std::unique_ptr<PostgresRecommendationStore>> Open(
      std::unique_ptr<storage::postgres::PgPool> pool);
  std::unique_ptr<storage::Leadership> ConsumerLeadership(const std::string& holder) override;

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
  storage::StorageAdmin& admin() override { return admin_; }

 private:
  explicit PostgresRecommendationStore(std::unique_ptr<storage::postgres::PgPool> pool);

  std::unique_ptr<storage::postgres::PgPool> pool_;
  storage::postgres::PgAdmin admin_;
};

}  // namespace trustsphere::recommendations
