#include "services/relationships/stored_records.h"

#include "absl/time/clock.h"
#include "services/common/core/proto_time.h"

namespace trustsphere::relationships {

absl::StatusOr<internal::RequestRecord> StoredRequest(const RequestRecord& request) {
  internal::RequestRecord record;
  record.set_fingerprint(request.fingerprint);
  if (!record.mutable_result()->ParseFromString(request.response)) {
    return absl::InternalError("a request's answer is not a statement");
  }
  *record.mutable_create_time() = ToProto(request.create_time);
  return record;
}

RequestRecord LoadedRequest(const RequestKey& key, const internal::RequestRecord& stored) {
  return RequestRecord{.key = key,
                       .fingerprint = stored.fingerprint(),
                       .response = stored.result().SerializeAsString(),
                       .create_time = FromProto(stored.create_time())};
}

internal::ChangeRecord ChangeRecordOf(const StatementChange& change) {
  internal::ChangeRecord record;
  record.set_kind(change.kind);
  *record.mutable_statement() = change.after;
  // An erasure says nothing of what was erased.
  if (change.before && !IsErased(change.after)) {
    *record.mutable_previous_sphere() = change.before->sphere();
  }
  *record.mutable_commit_time() = ToProto(absl::Now());
  return record;
}

internal::ChangeRecord ErasedChangeRecord(const std::string& truster, const std::string& trustee) {
  internal::ChangeRecord record;
  record.set_kind(v1::CHANGE_KIND_ERASED);
  *record.mutable_statement() = ErasedStatement(truster, trustee);
  return record;
}

TrustChangeEntry EntryOf(uint64_t sequence, internal::ChangeRecord record) {
  TrustChangeEntry entry{.sequence = sequence};
  entry.change.set_kind(record.kind());
  *entry.change.mutable_statement() = std::move(*record.mutable_statement());
  *entry.change.mutable_previous_sphere() = std::move(*record.mutable_previous_sphere());
  *entry.change.mutable_commit_time() = record.commit_time();
  return entry;
}

}  // namespace trustsphere::relationships
