#include "services/identity/identity_store.h"

#include "absl/time/clock.h"
#include "services/common/core/proto_time.h"

namespace trustsphere::identity {

void IdentityWrite::PutPerson(internal::PersonRecord record,
                              std::optional<internal::PersonRecord> previous) {
  persons_.push_back({std::move(record), std::move(previous)});
}

void IdentityWrite::PutPosition(v1::Position position, std::optional<v1::Position> previous) {
  positions_.push_back({std::move(position), std::move(previous)});
}

void IdentityWrite::RemovePosition(v1::Position position) {
  removed_positions_.push_back(std::move(position));
}

void IdentityWrite::PutSession(internal::SessionRecord session,
                               std::optional<internal::SessionRecord> previous) {
  sessions_.push_back({std::move(session), std::move(previous)});
}

void IdentityWrite::RevokeSession(const internal::SessionRecord& session,
                                  absl::Time tokens_valid_until) {
  Log(internal::Change::KIND_SESSION_REVOKED, session.person_id());
  internal::Change& change = changes_.back();
  change.set_session_id(session.id());
  *change.mutable_revoked_until() = ToProto(tokens_valid_until);
  DropSession(session);
}

void IdentityWrite::DropSession(internal::SessionRecord session) {
  removed_sessions_.push_back(std::move(session));
}

void IdentityWrite::PutTag(v1::Tag tag, std::optional<v1::Tag> previous) {
  tags_.push_back({std::move(tag), std::move(previous)});
}

void IdentityWrite::RecordRequest(std::optional<RequestRecord> record) {
  if (record) requests_.push_back(std::move(*record));
}

void IdentityWrite::Log(internal::Change::Kind kind, const std::string& person_id,
                        const std::string& position_id) {
  internal::Change change;
  change.set_kind(kind);
  change.set_person_id(person_id);
  change.set_position_id(position_id);
  *change.mutable_time() = ToProto(absl::Now());
  changes_.push_back(std::move(change));
}

internal::RequestRecord StoredRequest(const RequestRecord& request) {
  internal::RequestRecord record;
  record.set_fingerprint(request.fingerprint);
  record.set_resource_id(request.response);
  *record.mutable_create_time() = ToProto(request.create_time);
  return record;
}

RequestRecord LoadedRequest(const RequestKey& key, const internal::RequestRecord& stored) {
  return RequestRecord{.key = key,
                       .fingerprint = stored.fingerprint(),
                       .response = stored.resource_id(),
                       .create_time = FromProto(stored.create_time())};
}

}  // namespace trustsphere::identity
