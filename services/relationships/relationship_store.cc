#include "services/relationships/relationship_store.h"

#include "absl/time/clock.h"
#include "services/common/core/proto_time.h"
#include "services/relationships/relationships_keys.h"
#include "storage/proto_value.h"

namespace trustsphere::relationships {
namespace {

using storage::ParseValue;
using storage::WriteBatch;

void WriteFacets(WriteBatch& batch, const v1::TrustStatement& statement, bool put) {
  internal::FacetEntry entry;
  entry.set_visibility(statement.visibility());
  const std::string value = entry.SerializeAsString();
  for (const auto& facet : statement.sphere().inside()) {
    std::string key = keys::Facet(statement.trustee_id(), static_cast<uint8_t>(facet.kind()),
                                  facet.key(), statement.truster_id());
    if (put) {
      batch.Put(keys::kFacets, key, value);
    } else {
      batch.Delete(keys::kFacets, key);
    }
  }
}

void PutEdge(WriteBatch& batch, const std::string& person, const std::string& other,
             v1::Visibility outgoing, v1::Visibility incoming) {
  internal::ReferenceEdge edge;
  edge.set_outgoing_visibility(outgoing);
  edge.set_incoming_visibility(incoming);
  batch.Put(keys::kReferences, keys::Pair(person, other), edge.SerializeAsString());
}

// pending(trustee, truster) exists while truster -> trustee is active and
// the trustee has not answered.
void SetPending(WriteBatch& batch, const std::string& trustee, const std::string& truster,
                bool pending) {
  if (pending) {
    batch.Put(keys::kPending, keys::Pair(trustee, truster), "");
  } else {
    batch.Delete(keys::kPending, keys::Pair(trustee, truster));
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<RelationshipStore>> RelationshipStore::Open(const std::string& path,
                                                                           bool sync_writes) {
  storage::EngineOptions options;
  options.path = path;
  options.families = keys::FamilyNames();
  options.change_log = keys::kChanges;
  options.prefixed_families = {keys::kStatements, keys::kIncoming, keys::kReferences,
                               keys::kPending,    keys::kFacets,   keys::kRequests};
  options.schema_version = keys::kSchemaVersion;
  options.sync_writes = sync_writes;
  auto engine = storage::Engine::Open(std::move(options));
  if (!engine.ok()) return engine.status();
  return std::unique_ptr<RelationshipStore>(new RelationshipStore(std::move(*engine)));
}

absl::StatusOr<v1::TrustStatement> RelationshipStore::GetStatement(
    const std::string& truster, const std::string& trustee,
    const storage::Snapshot* snapshot) const {
  return ParseValue<v1::TrustStatement>(
      engine_->Get(keys::kStatements, keys::Pair(truster, trustee), snapshot));
}

absl::StatusOr<std::optional<v1::TrustStatement>> RelationshipStore::FindStatement(
    const std::string& truster, const std::string& trustee,
    const storage::Snapshot* snapshot) const {
  auto statement = GetStatement(truster, trustee, snapshot);
  if (absl::IsNotFound(statement.status())) return std::nullopt;
  if (!statement.ok()) return statement.status();
  return std::optional<v1::TrustStatement>(std::move(*statement));
}

absl::StatusOr<std::vector<std::optional<v1::TrustStatement>>> RelationshipStore::GetStatements(
    const std::vector<std::pair<std::string, std::string>>& pairs,
    const storage::Snapshot* snapshot) const {
  std::vector<std::string> lookups;
  lookups.reserve(pairs.size());
  for (const auto& [truster, trustee] : pairs) lookups.push_back(keys::Pair(truster, trustee));
  auto values = engine_->MultiGet(keys::kStatements, lookups, snapshot);
  if (!values.ok()) return values.status();
  std::vector<std::optional<v1::TrustStatement>> statements(pairs.size());
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (!(*values)[i]) continue;
    auto statement = ParseValue<v1::TrustStatement>(std::string_view(*(*values)[i]));
    if (!statement.ok()) return statement.status();
    statements[i] = std::move(*statement);
  }
  return statements;
}

absl::StatusOr<std::optional<internal::ReferenceEdge>> RelationshipStore::GetEdge(
    const std::string& person, const std::string& other, const storage::Snapshot* snapshot) const {
  auto edge = ParseValue<internal::ReferenceEdge>(
      engine_->Get(keys::kReferences, keys::Pair(person, other), snapshot));
  if (absl::IsNotFound(edge.status())) return std::nullopt;
  if (!edge.ok()) return edge.status();
  return std::optional<internal::ReferenceEdge>(std::move(*edge));
}

absl::StatusOr<std::optional<internal::RequestRecord>> RelationshipStore::GetRequest(
    const std::string& caller, const std::string& request_id) const {
  auto record = ParseValue<internal::RequestRecord>(
      engine_->Get(keys::kRequests, keys::Request(caller, request_id)));
  if (absl::IsNotFound(record.status())) return std::nullopt;
  if (!record.ok()) return record.status();
  return std::optional<internal::RequestRecord>(std::move(*record));
}

void RelationshipStore::WriteStatement(WriteBatch& batch,
                                       const std::optional<v1::TrustStatement>& before,
                                       const v1::TrustStatement& after,
                                       const std::optional<v1::TrustStatement>& reverse,
                                       v1::ChangeKind kind) {
  const std::string& truster = after.truster_id();
  const std::string& trustee = after.trustee_id();
  const bool active = after.state() == v1::TRUST_STATE_ACTIVE;
  const bool reverse_active = IsActive(reverse);

  batch.Put(keys::kStatements, keys::Pair(truster, trustee), after.SerializeAsString());
  batch.Put(keys::kIncoming, keys::Pair(trustee, truster), "");

  if (IsActive(before)) WriteFacets(batch, *before, /*put=*/false);
  if (active) WriteFacets(batch, after, /*put=*/true);

  if (active && reverse_active) {
    PutEdge(batch, truster, trustee, after.visibility(), reverse->visibility());
    PutEdge(batch, trustee, truster, reverse->visibility(), after.visibility());
  } else {
    batch.Delete(keys::kReferences, keys::Pair(truster, trustee));
    batch.Delete(keys::kReferences, keys::Pair(trustee, truster));
  }
  SetPending(batch, trustee, truster, active && !reverse_active);
  SetPending(batch, truster, trustee, reverse_active && !active);

  internal::ChangeRecord change;
  change.set_kind(kind);
  *change.mutable_statement() = after;
  if (before) *change.mutable_previous_sphere() = before->sphere();
  *change.mutable_commit_time() = ToProto(absl::Now());
  batch.AppendChange(change.SerializeAsString());
}

void RelationshipStore::PutRequest(WriteBatch& batch, const std::string& caller,
                                   const std::string& request_id,
                                   const internal::RequestRecord& record) {
  batch.Put(keys::kRequests, keys::Request(caller, request_id), record.SerializeAsString());
}

absl::Status RelationshipStore::Commit(WriteBatch batch) {
  return engine_->Write(std::move(batch)).status();
}

}  // namespace trustsphere::relationships
