#pragma once

// The identity store port over a PostgreSQL-protocol database (distributed
// mode): the same records, indexes and change log as RocksDbIdentityStore,
// as tables named identity_* (their migrations are in
// postgres_identity_store.cc). Keys and ids are bytea, so that every order
// is the bytes' order whatever the database's collation.
//
// The change log is numbered in commit order: a write takes the next
// numbers by updating the one row of identity_change_head as its last
// statement, which holds that row until it commits, so numbers are dense,
// increasing with commit time, and a reader that sees a number sees every
// number below it, whichever replica wrote it.

#include <memory>
#include <string>

#include "services/identity/identity_store.h"
#include "storage/postgres/pg_admin.h"
#include "storage/postgres/pg_pool.h"

namespace trustsphere::identity {

class PostgresIdentityStore final : public IdentityStore {
 public:
  // Connects through `pool`, creating or migrating the tables.
  static absl::StatusOr<std::unique_ptr<PostgresIdentityStore>> Open(
      std::unique_ptr<storage::postgres::PgPool> pool);

  absl::StatusOr<std::optional<internal::PersonRecord>> Person(
      const std::string& id) const override;
  std::unique_ptr<LoginThrottle> SharedLoginThrottle() override;
  absl::StatusOr<std::vector<internal::PersonRecord>> Persons(
      const std::vector<std::string>& ids) const override;
  absl::StatusOr<std::optional<std::string>> PersonIdByEmail(
      const std::string& normalized_email) const override;
  absl::StatusOr<std::optional<v1::Position>> Position(const std::string& id) const override;
  absl::StatusOr<std::vector<v1::Position>> Positions(
      const std::vector<std::string>& ids) const override;
  absl::StatusOr<storage::Page<v1::Position>> PositionsOf(const std::string& person_id,
                                                          const std::string& cursor,
                                                          int limit) const override;
  absl::StatusOr<int> CountPositions(const std::string& person_id, int up_to) const override;
  absl::StatusOr<storage::Page<v1::Position>> OverlappingPositions(const OverlapQuery& query,
                                                                   const std::string& cursor,
                                                                   int limit,
                                                                   int max_examined) const override;
  absl::StatusOr<std::vector<SearchHit>> SearchWords(const std::string& word_prefix,
                                                     int limit) const override;
  absl::StatusOr<std::optional<internal::SessionRecord>> Session(
      const std::string& id) const override;
  absl::StatusOr<std::vector<internal::SessionRecord>> ExpiredSessions(absl::Time now,
                                                                       int limit) const override;
  absl::StatusOr<storage::Page<internal::SessionRecord>> SessionsOf(const std::string& person_id,
                                                                    const std::string& cursor,
                                                                    int limit) const override;
  absl::StatusOr<std::optional<v1::Tag>> Tag(common::v1::FacetKind kind,
                                             const std::string& key) const override;
  absl::StatusOr<std::vector<v1::Tag>> TagsWithPrefix(common::v1::FacetKind kind,
                                                      const std::string& key_prefix,
                                                      int limit) const override;
  absl::Status Apply(const IdentityWrite& write) override;
  absl::StatusOr<std::vector<ChangeEntry>> Changes(uint64_t after, int limit) const override;
  absl::StatusOr<std::optional<RequestRecord>> FindRequest(const RequestKey& key) const override;
  absl::StatusOr<std::string> Marker(const std::string& name) const override;
  absl::Status SetMarker(const std::string& name, const std::string& value) override;
  absl::StatusOr<std::string> KeepSecret(const std::string& name,
                                         const std::string& fresh) override;
  storage::StorageAdmin& admin() override { return admin_; }

 private:
  explicit PostgresIdentityStore(std::unique_ptr<storage::postgres::PgPool> pool);

  std::unique_ptr<storage::postgres::PgPool> pool_;
  storage::postgres::PgAdmin admin_;
};

}  // namespace trustsphere::identity
