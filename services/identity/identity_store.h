#pragma once

// Persistence of the identity service: typed reads of its records and the
// batch operations that keep each record and its indexes together. Knows the
// key layout (identity_keys.h), decides nothing.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "records.pb.h"
#include "storage/engine.h"
#include "trustsphere/identity/v1/identity.pb.h"

namespace trustsphere::identity {

class IdentityStore {
 public:
  static absl::StatusOr<std::unique_ptr<IdentityStore>> Open(const std::string& path,
                                                             bool sync_writes);

  storage::Engine& engine() { return *engine_; }

  // NotFound when absent.
  absl::StatusOr<internal::PersonRecord> GetPerson(const std::string& id) const;
  absl::StatusOr<std::string> FindPersonIdByEmail(const std::string& normalized_email) const;
  absl::StatusOr<v1::Position> GetPosition(const std::string& id) const;
  // The positions that still exist among ids, in the same order, read at
  // the snapshot's point in time.
  absl::StatusOr<std::vector<v1::Position>> GetPositions(const std::vector<std::string>& ids,
                                                         const storage::Snapshot* snapshot) const;
  absl::StatusOr<v1::Tag> GetTag(uint8_t kind, const std::string& key) const;
  // nullopt when the request id was never used.
  absl::StatusOr<std::optional<internal::RequestRecord>> GetRequest(
      const std::string& scope, const std::string& method, const std::string& request_id) const;

  static void PutPerson(storage::WriteBatch& batch, const internal::PersonRecord& record);
  static void PutEmail(storage::WriteBatch& batch, const std::string& normalized_email,
                       const std::string& person_id);
  static void DeleteEmail(storage::WriteBatch& batch, const std::string& normalized_email);
  // The position and its two index entries.
  static void PutPosition(storage::WriteBatch& batch, const v1::Position& position);
  static void DeletePosition(storage::WriteBatch& batch, const v1::Position& position);
  static void PutTag(storage::WriteBatch& batch, const v1::Tag& tag);
  static void PutRequest(storage::WriteBatch& batch, const std::string& scope,
                         const std::string& method, const std::string& request_id,
                         const internal::RequestRecord& record);
  static void AppendChange(storage::WriteBatch& batch, internal::Change::Kind kind,
                           const std::string& person_id, const std::string& position_id = "");

  absl::Status Commit(storage::WriteBatch batch);

 private:
  explicit IdentityStore(std::unique_ptr<storage::Engine> engine) : engine_(std::move(engine)) {}
  std::unique_ptr<storage::Engine> engine_;
};

// Months since year 0, the unit periods are indexed in.
uint32_t MonthIndex(const common::v1::YearMonth& month);

}  // namespace trustsphere::identity
