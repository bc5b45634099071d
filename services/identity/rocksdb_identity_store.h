#pragma once

// IdentityStore over the embedded RocksDB engine: the only code that knows
// identity's key layout (identity_keys.h, storage/KEY_LAYOUT.md).

#include <memory>
#include <string>

#include "services/identity/identity_store.h"
#include "storage/engine.h"

namespace trustsphere::identity {

class RocksDbIdentityStore final : public IdentityStore {
 public:
  // Opens (or creates) the database in `path`.
  static absl::StatusOr<std::unique_ptr<RocksDbIdentityStore>> Open(const std::string& path,
                                                                    bool sync_writes);

  absl::StatusOr<std::optional<internal::PersonRecord>> Person(
      const std::string& id) const override;
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
  storage::StorageAdmin& admin() override { return *engine_; }

 private:
  explicit RocksDbIdentityStore(std::unique_ptr<storage::Engine> engine)
      : engine_(std::move(engine)) {}
  absl::StatusOr<std::vector<v1::Position>> PositionsAt(const std::vector<std::string>& ids,
                                                        const storage::Snapshot* snapshot) const;

  std::unique_ptr<storage::Engine> engine_;
};

}  // namespace trustsphere::identity
