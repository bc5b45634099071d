#include "services/identity/identity_logic.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/access_token.h"
#include "services/common/crypto.h"
#include "services/common/proto_time.h"
#include "services/common/request_fingerprint.h"
#include "services/common/text.h"
#include "services/common/validation.h"
#include "services/identity/identity_keys.h"
#include "services/identity/identity_validation.h"
#include "services/identity/new_records.h"
#include "storage/proto_value.h"

namespace trustsphere::identity {
namespace {

using storage::WriteBatch;

bool HasPath(const google::protobuf::FieldMask& mask, const std::string& path) {
  return std::find(mask.paths().begin(), mask.paths().end(), path) != mask.paths().end();
}

// What anyone but the person, operators and services may see.
v1::Person Redacted(v1::Person person, const Caller& caller) {
  if (!caller.MayActFor(person.id())) person.clear_email();
  return person;
}

v1::Person Tombstone(const v1::Person& person, absl::Time now) {
  v1::Person tombstone;
  tombstone.set_id(person.id());
  tombstone.set_state(v1::PERSON_STATE_DELETED);
  *tombstone.mutable_create_time() = person.create_time();
  *tombstone.mutable_update_time() = ToProto(now);
  tombstone.set_etag(NewEtag());
  return tombstone;
}

// Only the person themself or an operator changes a profile; services read.
// The id in `field` must be well-formed first: its rules are public, so the
// caller learns nothing by probing them, and a missing id gets its own error.
absl::Status CheckMayEdit(const Caller& caller, absl::string_view field,
                          const std::string& person_id) {
  FieldErrors errors;
  CheckId(errors, field, person_id);
  if (!errors.empty()) return errors.ToStatus();
  if (caller.person_id == person_id || caller.Has(Role::kOperator)) return absl::OkStatus();
  return absl::PermissionDeniedError("only the person or an operator may change this");
}

absl::Status CheckEtagMatches(const std::string& sent, const std::string& current) {
  if (sent != current) {
    return absl::AbortedError("etag mismatch: the resource changed since it was read");
  }
  return absl::OkStatus();
}

// The ids of a batch read: 1 to kMaxBatchGet valid ids.
void CheckBatchIds(FieldErrors& errors,
                   const google::protobuf::RepeatedPtrField<std::string>& ids) {
  const int max = IdentityLogic::kMaxBatchGet;
  if (ids.empty() || ids.size() > max) errors.Add("ids", absl::StrCat("1 to ", max, " ids"));
  for (int i = 0; i < ids.size() && i < max; ++i) {
    CheckId(errors, absl::StrCat("ids[", i, "]"), ids[i]);
  }
}

bool Overlaps(const internal::OrgIndexEntry& entry, uint32_t start) {
  return entry.end_month() == 0 || entry.end_month() >= start;
}

}  // namespace

IdentityLogic::IdentityLogic(std::unique_ptr<IdentityStore> store, SigningKeyPair signing_key,
                             PageTokenCodec page_tokens, IdentityOptions options)
    : store_(std::move(store)),
      signing_key_(std::move(signing_key)),
      page_tokens_(std::move(page_tokens)),
      options_(options),
      hasher_(options.password_cost) {}

absl::StatusOr<std::string> IdentityLogic::EarlierResult(const std::string& scope,
                                                         const std::string& method,
                                                         const std::string& request_id,
                                                         const std::string& fingerprint) {
  if (request_id.empty()) return std::string();
  auto earlier = store_->GetRequest(scope, method, request_id);
  if (!earlier.ok()) return earlier.status();
  if (!earlier->has_value()) return std::string();
  if ((*earlier)->fingerprint() != fingerprint) {
    return InvalidField("request_id", "already used for a request with other content");
  }
  return (*earlier)->resource_id();
}

absl::StatusOr<v1::Person> IdentityLogic::CreatePerson(const v1::CreatePersonRequest& request) {
  FieldErrors errors;
  for (const char* path : {"display_name", "headline", "email", "locale"}) {
    CheckPersonField(errors, "person.", path, request.person());
  }
  CheckPassword(errors, "password", request.password());
  CheckRequestId(errors, "request_id", request.request_id());
  if (!errors.empty()) return errors.ToStatus();

  const std::string email = NormalizeEmail(request.person().email());
  const std::string fingerprint = RequestFingerprint(request);
  auto guard = locks_.Lock({"email:" + email, "request:" + request.request_id()});

  auto earlier = EarlierResult("", "CreatePerson", request.request_id(), fingerprint);
  if (!earlier.ok()) return earlier.status();
  if (!earlier->empty()) {
    auto record = store_->GetPerson(*earlier);
    if (!record.ok()) return record.status();
    return record->person();
  }
  auto taken = store_->FindPersonIdByEmail(email);
  if (taken.ok()) return absl::AlreadyExistsError("a person with this email already exists");
  if (!absl::IsNotFound(taken.status())) return taken.status();

  std::string hash = hasher_.Hash(request.password());
  if (hash.empty()) return absl::ResourceExhaustedError("cannot hash the password now; retry");

  absl::Time now = absl::Now();
  internal::PersonRecord record =
      NewPersonRecord(request.person(), NewId("prs_"), hash, email, now);
  const v1::Person& person = record.person();

  WriteBatch batch;
  IdentityStore::PutPerson(batch, record);
  IdentityStore::PutEmail(batch, email, person.id());
  if (!request.request_id().empty()) {
    internal::RequestRecord done;
    done.set_fingerprint(fingerprint);
    done.set_resource_id(person.id());
    *done.mutable_create_time() = ToProto(now);
    IdentityStore::PutRequest(batch, "", "CreatePerson", request.request_id(), done);
  }
  IdentityStore::AppendChange(batch, internal::Change::KIND_PERSON_CREATED, person.id());
  if (absl::Status written = store_->Commit(std::move(batch)); !written.ok()) return written;
  return person;
}

absl::StatusOr<v1::Person> IdentityLogic::GetPerson(const Caller& caller,
                                                    const v1::GetPersonRequest& request) {
  FieldErrors errors;
  CheckId(errors, "id", request.id());
  if (!errors.empty()) return errors.ToStatus();
  auto record = store_->GetPerson(request.id());
  if (absl::IsNotFound(record.status())) return absl::NotFoundError("no such person");
  if (!record.ok()) return record.status();
  return Redacted(record->person(), caller);
}

absl::StatusOr<v1::BatchGetPersonsResponse> IdentityLogic::BatchGetPersons(
    const Caller& caller, const v1::BatchGetPersonsRequest& request) {
  FieldErrors errors;
  CheckBatchIds(errors, request.ids());
  if (!errors.empty()) return errors.ToStatus();
  v1::BatchGetPersonsResponse response;
  for (const std::string& id : request.ids()) {
    auto record = store_->GetPerson(id);
    if (absl::IsNotFound(record.status())) continue;
    if (!record.ok()) return record.status();
    *response.add_persons() = Redacted(record->person(), caller);
  }
  return response;
}

absl::StatusOr<internal::PersonRecord> IdentityLogic::LiveOwnedPerson(
    const Caller& caller, const std::string& person_id) {
  if (absl::Status allowed = CheckMayEdit(caller, "person_id", person_id); !allowed.ok()) {
    return allowed;
  }
  auto record = store_->GetPerson(person_id);
  if (absl::IsNotFound(record.status())) return absl::NotFoundError("no such person");
  if (!record.ok()) return record.status();
  if (record->person().state() != v1::PERSON_STATE_ACTIVE) {
    return absl::NotFoundError("this person was deleted");
  }
  return record;
}

absl::StatusOr<v1::Person> IdentityLogic::UpdatePerson(const Caller& caller,
                                                       const v1::UpdatePersonRequest& request) {
  // Who may act is checked before what they send (nothing to learn by probing).
  if (absl::Status allowed = CheckMayEdit(caller, "person.id", request.person().id());
      !allowed.ok())
    return allowed;
  FieldErrors errors;
  CheckId(errors, "person.id", request.person().id());
  CheckEtag(errors, "person.etag", request.person().etag());
  CheckUpdateMask(errors, request.update_mask(), kPersonUpdatePaths);
  for (const auto& path : request.update_mask().paths()) {
    CheckPersonField(errors, "person.", path, request.person());
  }
  if (!errors.empty()) return errors.ToStatus();

  const v1::Person& changes = request.person();
  const bool email_changes = HasPath(request.update_mask(), "email");
  const std::string new_email = email_changes ? NormalizeEmail(changes.email()) : "";
  auto guard = locks_.Lock({"person:" + changes.id(), "email:" + new_email});

  auto record = LiveOwnedPerson(caller, changes.id());
  if (!record.ok()) return record.status();
  if (absl::Status fresh = CheckEtagMatches(changes.etag(), record->person().etag()); !fresh.ok()) {
    return fresh;
  }

  WriteBatch batch;
  v1::Person& person = *record->mutable_person();
  if (HasPath(request.update_mask(), "display_name")) {
    person.set_display_name(CollapseSpaces(changes.display_name()));
  }
  if (HasPath(request.update_mask(), "headline")) {
    person.set_headline(CollapseSpaces(changes.headline()));
  }
  if (HasPath(request.update_mask(), "locale")) person.set_locale(changes.locale());
  if (email_changes && new_email != record->normalized_email()) {
    auto taken = store_->FindPersonIdByEmail(new_email);
    if (taken.ok()) return absl::AlreadyExistsError("a person with this email already exists");
    if (!absl::IsNotFound(taken.status())) return taken.status();
    IdentityStore::DeleteEmail(batch, record->normalized_email());
    IdentityStore::PutEmail(batch, new_email, person.id());
    record->set_normalized_email(new_email);
  }
  if (email_changes) person.set_email(CanonicalEmail(changes.email()));
  *person.mutable_update_time() = ToProto(absl::Now());
  person.set_etag(NewEtag());

  IdentityStore::PutPerson(batch, *record);
  IdentityStore::AppendChange(batch, internal::Change::KIND_PERSON_UPDATED, person.id());
  if (absl::Status written = store_->Commit(std::move(batch)); !written.ok()) return written;
  return person;
}

absl::StatusOr<google::protobuf::Empty> IdentityLogic::DeletePerson(
    const Caller& caller, const v1::DeletePersonRequest& request) {
  // Who may act is checked before what they send (nothing to learn by probing).
  if (absl::Status allowed = CheckMayEdit(caller, "id", request.id()); !allowed.ok()) {
    return allowed;
  }
  FieldErrors errors;
  CheckId(errors, "id", request.id());
  CheckEtag(errors, "etag", request.etag());
  if (!errors.empty()) return errors.ToStatus();

  auto guard = locks_.Lock({"person:" + request.id()});
  auto record = LiveOwnedPerson(caller, request.id());
  if (!record.ok()) return record.status();
  if (absl::Status fresh = CheckEtagMatches(request.etag(), record->person().etag()); !fresh.ok()) {
    return fresh;
  }

  // Positions go with the person: collect them first (bounded by the
  // per-person limit), then erase everything in one batch.
  std::vector<std::string> position_ids;
  absl::Status scanned = store_->engine().Scan(
      keys::kPositionsByPerson, {.prefix = keys::PersonPositionsPrefix(request.id())},
      [&](std::string_view key, std::string_view) {
        position_ids.push_back(keys::PositionIdOfIndexKey(key));
        return true;
      });
  if (!scanned.ok()) return scanned;

  auto positions = store_->GetPositions(position_ids, nullptr);
  if (!positions.ok()) return positions.status();
  WriteBatch batch;
  for (const auto& position : *positions) IdentityStore::DeletePosition(batch, position);
  IdentityStore::DeleteEmail(batch, record->normalized_email());
  internal::PersonRecord tombstone;
  *tombstone.mutable_person() = Tombstone(record->person(), absl::Now());
  IdentityStore::PutPerson(batch, tombstone);
  IdentityStore::AppendChange(batch, internal::Change::KIND_PERSON_DELETED, request.id());
  if (absl::Status written = store_->Commit(std::move(batch)); !written.ok()) return written;
  return google::protobuf::Empty();
}

absl::StatusOr<v1::AuthenticateResponse> IdentityLogic::Authenticate(
    const v1::AuthenticateRequest& request) {
  FieldErrors errors;
  if (request.email().empty()) errors.Add("email", "required");
  if (request.email().size() > kMaxEmail) errors.Add("email", "too long");
  if (request.password().empty()) errors.Add("password", "required");
  if (request.password().size() > kMaxPassword) errors.Add("password", "too long");
  if (!errors.empty()) return errors.ToStatus();

  const std::string email = NormalizeEmail(request.email());
  absl::Time now = absl::Now();
  if (absl::Status allowed = throttle_.Check(email, now); !allowed.ok()) return allowed;

  const absl::Status wrong = absl::UnauthenticatedError("wrong email or password");
  auto person_id = email.empty() ? absl::NotFoundError("") : store_->FindPersonIdByEmail(email);
  if (!person_id.ok() && !absl::IsNotFound(person_id.status())) return person_id.status();
  if (!person_id.ok()) {
    hasher_.VerifyNothing(request.password());
    throttle_.RecordFailure(email, now);
    return wrong;
  }
  auto record = store_->GetPerson(*person_id);
  if (!record.ok()) return record.status();
  if (!hasher_.Verify(record->password_hash(), request.password())) {
    throttle_.RecordFailure(email, now);
    return wrong;
  }
  throttle_.RecordSuccess(email);

  TokenClaims claims{.subject = *person_id,
                     .roles = static_cast<uint32_t>(Role::kUser),
                     .issued_at = now,
                     .expires_at = now + options_.access_token_ttl};
  v1::AuthenticateResponse response;
  response.set_access_token(SignAccessToken(claims, signing_key_));
  *response.mutable_expire_time() = ToProto(claims.expires_at);
  response.set_person_id(*person_id);
  return response;
}

v1::GetSigningKeysResponse IdentityLogic::GetSigningKeys() const {
  v1::GetSigningKeysResponse response;
  auto* key = response.add_keys();
  key->set_key_id(signing_key_.key_id);
  key->set_algorithm("EdDSA");
  key->set_public_key(signing_key_.public_key);
  return response;
}

absl::StatusOr<int> IdentityLogic::CountPositions(const std::string& person_id) {
  int count = 0;
  absl::Status scanned = store_->engine().Scan(
      keys::kPositionsByPerson, {.prefix = keys::PersonPositionsPrefix(person_id)},
      [&](std::string_view, std::string_view) { return ++count <= kMaxPositionsPerPerson; });
  if (!scanned.ok()) return scanned;
  return count;
}

absl::StatusOr<v1::Position> IdentityLogic::AddPosition(const Caller& caller,
                                                        const v1::AddPositionRequest& request) {
  // Who may act is checked before what they send (nothing to learn by probing).
  if (absl::Status allowed = CheckMayEdit(caller, "person_id", request.person_id());
      !allowed.ok())
    return allowed;
  FieldErrors errors;
  CheckId(errors, "person_id", request.person_id());
  for (const char* path : kPositionFields) {
    CheckPositionField(errors, "position.", path, request.position());
  }
  CheckRequestId(errors, "request_id", request.request_id());
  if (!errors.empty()) return errors.ToStatus();

  const std::string fingerprint = RequestFingerprint(request);
  auto guard = locks_.Lock({"person:" + request.person_id()});
  auto owner = LiveOwnedPerson(caller, request.person_id());
  if (!owner.ok()) return owner.status();
  auto earlier = EarlierResult(caller.person_id, "AddPosition", request.request_id(), fingerprint);
  if (!earlier.ok()) return earlier.status();
  if (!earlier->empty()) return store_->GetPosition(*earlier);

  auto count = CountPositions(request.person_id());
  if (!count.ok()) return count.status();
  if (*count >= kMaxPositionsPerPerson) {
    return absl::ResourceExhaustedError(
        absl::StrCat("a person holds at most ", kMaxPositionsPerPerson, " positions"));
  }

  absl::Time now = absl::Now();
  v1::Position position = NewPosition(request.position(), NewId("pos_"), request.person_id(), now);

  WriteBatch batch;
  IdentityStore::PutPosition(batch, position);
  if (!request.request_id().empty()) {
    internal::RequestRecord done;
    done.set_fingerprint(fingerprint);
    done.set_resource_id(position.id());
    *done.mutable_create_time() = ToProto(now);
    IdentityStore::PutRequest(batch, caller.person_id, "AddPosition", request.request_id(), done);
  }
  IdentityStore::AppendChange(batch, internal::Change::KIND_POSITION_ADDED, position.person_id(),
                              position.id());
  if (absl::Status written = store_->Commit(std::move(batch)); !written.ok()) return written;
  return position;
}

absl::StatusOr<v1::Position> IdentityLogic::OwnedPosition(const Caller& caller,
                                                          const std::string& id) {
  auto position = store_->GetPosition(id);
  if (absl::IsNotFound(position.status())) return absl::NotFoundError("no such position");
  if (!position.ok()) return position.status();
  if (absl::Status allowed = CheckMayEdit(caller, "position.person_id", position->person_id());
      !allowed.ok()) {
    return allowed;
  }
  return position;
}

absl::StatusOr<v1::Position> IdentityLogic::UpdatePosition(
    const Caller& caller, const v1::UpdatePositionRequest& request) {
  FieldErrors errors;
  CheckId(errors, "position.id", request.position().id());
  CheckEtag(errors, "position.etag", request.position().etag());
  CheckUpdateMask(errors, request.update_mask(), kPositionFields);
  for (const auto& path : request.update_mask().paths()) {
    CheckPositionField(errors, "position.", path, request.position());
  }
  if (!errors.empty()) return errors.ToStatus();

  const v1::Position& changes = request.position();
  auto guard = locks_.Lock({"position:" + changes.id()});
  auto current = OwnedPosition(caller, changes.id());
  if (!current.ok()) return current.status();
  if (absl::Status fresh = CheckEtagMatches(changes.etag(), current->etag()); !fresh.ok()) {
    return fresh;
  }

  v1::Position updated = *current;
  const auto& mask = request.update_mask();
  if (HasPath(mask, "kind")) updated.set_kind(changes.kind());
  if (HasPath(mask, "organization")) {
    updated.set_organization(CollapseSpaces(changes.organization()));
    updated.set_organization_key(NormalizeKey(changes.organization()));
  }
  if (HasPath(mask, "title")) updated.set_title(CollapseSpaces(changes.title()));
  if (HasPath(mask, "period")) *updated.mutable_period() = changes.period();
  if (HasPath(mask, "description")) updated.set_description(changes.description());
  *updated.mutable_update_time() = ToProto(absl::Now());
  updated.set_etag(NewEtag());

  // Index keys depend on the organisation and the start: drop the old ones.
  WriteBatch batch;
  IdentityStore::DeletePosition(batch, *current);
  IdentityStore::PutPosition(batch, updated);
  IdentityStore::AppendChange(batch, internal::Change::KIND_POSITION_UPDATED, updated.person_id(),
                              updated.id());
  if (absl::Status written = store_->Commit(std::move(batch)); !written.ok()) return written;
  return updated;
}

absl::StatusOr<google::protobuf::Empty> IdentityLogic::RemovePosition(
    const Caller& caller, const v1::RemovePositionRequest& request) {
  FieldErrors errors;
  CheckId(errors, "id", request.id());
  CheckEtag(errors, "etag", request.etag());
  if (!errors.empty()) return errors.ToStatus();

  auto guard = locks_.Lock({"position:" + request.id()});
  auto current = OwnedPosition(caller, request.id());
  if (!current.ok()) return current.status();
  if (absl::Status fresh = CheckEtagMatches(request.etag(), current->etag()); !fresh.ok()) {
    return fresh;
  }
  WriteBatch batch;
  IdentityStore::DeletePosition(batch, *current);
  IdentityStore::AppendChange(batch, internal::Change::KIND_POSITION_REMOVED, current->person_id(),
                              current->id());
  if (absl::Status written = store_->Commit(std::move(batch)); !written.ok()) return written;
  return google::protobuf::Empty();
}

absl::StatusOr<v1::BatchGetPositionsResponse> IdentityLogic::BatchGetPositions(
    const Caller& caller, const v1::BatchGetPositionsRequest& request) {
  FieldErrors errors;
  CheckBatchIds(errors, request.ids());
  if (!errors.empty()) return errors.ToStatus();
  auto positions = store_->GetPositions({request.ids().begin(), request.ids().end()}, nullptr);
  if (!positions.ok()) return positions.status();
  v1::BatchGetPositionsResponse response;
  for (auto& position : *positions) *response.add_positions() = std::move(position);
  return response;
}

absl::StatusOr<v1::ListPositionsResponse> IdentityLogic::ListPositions(
    const Caller& caller, const v1::ListPositionsRequest& request) {
  FieldErrors errors;
  CheckId(errors, "person_id", request.person_id());
  const int page_size = PageSize(errors, request.page_size());
  if (!errors.empty()) return errors.ToStatus();

  const std::string query =
      absl::StrCat("ListPositions\n", caller.person_id, "\n", request.person_id());
  auto cursor = page_tokens_.Decode(query, request.page_token());
  if (!cursor.ok()) return cursor.status();
  auto person = store_->GetPerson(request.person_id());
  if (absl::IsNotFound(person.status())) return absl::NotFoundError("no such person");
  if (!person.ok()) return person.status();

  // Newest first: reverse key order of (start month, id). Index and records
  // are read at one point in time.
  auto snapshot = store_->engine().TakeSnapshot();
  std::vector<std::string> ids;
  std::string last_key;
  bool more = false;
  absl::Status scanned = store_->engine().Scan(
      keys::kPositionsByPerson,
      {.prefix = keys::PersonPositionsPrefix(request.person_id()),
       .start_after = *cursor,
       .reverse = true},
      [&](std::string_view key, std::string_view) {
        if (static_cast<int>(ids.size()) == page_size) {
          more = true;
          return false;
        }
        ids.push_back(keys::PositionIdOfIndexKey(key));
        last_key.assign(key);
        return true;
      },
      snapshot.get());
  if (!scanned.ok()) return scanned;
  auto positions = store_->GetPositions(ids, snapshot.get());
  if (!positions.ok()) return positions.status();
  v1::ListPositionsResponse response;
  for (auto& position : *positions) *response.add_positions() = std::move(position);
  if (more) response.set_next_page_token(page_tokens_.Encode(query, last_key));
  return response;
}

absl::StatusOr<v1::FindOverlappingPositionsResponse> IdentityLogic::FindOverlappingPositions(
    const Caller& caller, const v1::FindOverlappingPositionsRequest& request) {
  FieldErrors errors;
  CheckId(errors, "position_id", request.position_id());
  const int page_size = PageSize(errors, request.page_size());
  if (!errors.empty()) return errors.ToStatus();

  auto position = store_->GetPosition(request.position_id());
  if (absl::IsNotFound(position.status())) return absl::NotFoundError("no such position");
  if (!position.ok()) return position.status();
  if (!caller.MayActFor(position->person_id())) {
    return absl::PermissionDeniedError("only the position's owner may look for overlaps");
  }
  const std::string query =
      absl::StrCat("FindOverlappingPositions\n", caller.person_id, "\n", request.position_id());
  auto cursor = page_tokens_.Decode(query, request.page_token());
  if (!cursor.ok()) return cursor.status();

  // Index order is (organisation, start month, id): positions that start
  // after this one ends cannot overlap, so the scan stops there; those that
  // ended before it starts are skipped.
  const uint32_t start = MonthIndex(position->period().start());
  storage::ScanRange range{.prefix = keys::OrgPrefix(position->organization_key()),
                           .start_after = *cursor};
  if (position->period().has_end()) {
    range.end_before = keys::OrgPositionsStartingBefore(position->organization_key(),
                                                        MonthIndex(position->period().end()) + 1);
  }
  auto snapshot = store_->engine().TakeSnapshot();
  std::vector<std::string> matches;
  std::string last_key;
  int examined = 0;
  bool more = false;
  absl::Status bad_entry;
  absl::Status scanned = store_->engine().Scan(
      keys::kPositionsByOrg, range,
      [&](std::string_view key, std::string_view value) {
        if (static_cast<int>(matches.size()) == page_size || examined == kMaxOverlapScan) {
          more = true;
          return false;
        }
        ++examined;
        last_key.assign(key);
        auto entry = storage::ParseValue<internal::OrgIndexEntry>(value);
        if (!entry.ok()) {
          bad_entry = entry.status();
          return false;
        }
        if (entry->person_id() == position->person_id() || !Overlaps(*entry, start)) return true;
        matches.push_back(keys::PositionIdOfIndexKey(key));
        return true;
      },
      snapshot.get());
  if (!scanned.ok()) return scanned;
  if (!bad_entry.ok()) return bad_entry;

  auto positions = store_->GetPositions(matches, snapshot.get());
  if (!positions.ok()) return positions.status();
  v1::FindOverlappingPositionsResponse response;
  for (auto& found : *positions) *response.add_positions() = std::move(found);
  if (more) response.set_next_page_token(page_tokens_.Encode(query, last_key));
  return response;
}

absl::StatusOr<v1::SearchTagsResponse> IdentityLogic::SearchTags(
    const Caller& caller, const v1::SearchTagsRequest& request) {
  FieldErrors errors;
  if (request.kind() != common::v1::FACET_KIND_COMPETENCY &&
      request.kind() != common::v1::FACET_KIND_QUALITY) {
    errors.Add("kind", "FACET_KIND_COMPETENCY or FACET_KIND_QUALITY");
  }
  CheckText(errors, "prefix", request.prefix(), 0, kMaxTagChars);
  const int page_size = PageSize(errors, request.page_size());
  if (!errors.empty()) return errors.ToStatus();

  std::vector<v1::Tag> candidates;
  absl::Status bad_entry;
  absl::Status scanned =
      store_->engine().Scan(keys::kTags,
                            {.prefix = keys::TagPrefix(static_cast<uint8_t>(request.kind()),
                                                       NormalizeKey(request.prefix()))},
                            [&](std::string_view, std::string_view value) {
                              auto tag = storage::ParseValue<v1::Tag>(value);
                              if (!tag.ok()) {
                                bad_entry = tag.status();
                                return false;
                              }
                              candidates.push_back(std::move(*tag));
                              return static_cast<int>(candidates.size()) < kTagRankingWindow;
                            });
  if (!scanned.ok()) return scanned;
  if (!bad_entry.ok()) return bad_entry;

  std::sort(candidates.begin(), candidates.end(), [](const v1::Tag& a, const v1::Tag& b) {
    if (a.use_count() != b.use_count()) return a.use_count() > b.use_count();
    return a.key() < b.key();
  });
  v1::SearchTagsResponse response;
  for (int i = 0; i < std::min<int>(page_size, candidates.size()); ++i) {
    *response.add_tags() = std::move(candidates[i]);
  }
  return response;
}

absl::StatusOr<v1::RecordTagUseResponse> IdentityLogic::RecordTagUse(
    const Caller& caller, const v1::RecordTagUseRequest& request) {
  if (!caller.IsPrivileged()) {
    return absl::PermissionDeniedError("only services and operators record tag use");
  }
  FieldErrors errors;
  if (request.tags().empty() || request.tags_size() > kMaxTagsPerRecord) {
    errors.Add("tags", absl::StrCat("1 to ", kMaxTagsPerRecord, " tags"));
  }
  for (int i = 0; i < request.tags_size(); ++i) {
    const auto& tag = request.tags(i);
    const std::string field = absl::StrCat("tags[", i, "]");
    if (tag.kind() != common::v1::FACET_KIND_COMPETENCY &&
        tag.kind() != common::v1::FACET_KIND_QUALITY) {
      errors.Add(field + ".kind", "FACET_KIND_COMPETENCY or FACET_KIND_QUALITY");
    }
    CheckText(errors, field + ".key", tag.key(), 1, kMaxTagChars);
    if (IsValidUtf8(tag.key()) && !tag.key().empty() && NormalizeKey(tag.key()).empty()) {
      errors.Add(field + ".key", "must contain letters or digits");
    }
    if (tag.use_count() < 0 || tag.use_count() > kMaxUsesPerRecord) {
      errors.Add(field + ".use_count", absl::StrCat("0 to ", kMaxUsesPerRecord));
    }
  }
  if (!errors.empty()) return errors.ToStatus();

  std::vector<std::string> lock_keys;
  for (const auto& tag : request.tags()) {
    lock_keys.push_back(absl::StrCat("tag:", tag.kind(), ":", NormalizeKey(tag.key())));
  }
  auto guard = locks_.Lock(lock_keys);

  // Each distinct tag counts once per request, however often it is named.
  absl::flat_hash_map<std::string, v1::Tag> updated;
  v1::RecordTagUseResponse response;
  WriteBatch batch;
  for (const auto& tag : request.tags()) {
    const auto kind = static_cast<uint8_t>(tag.kind());
    const std::string key = NormalizeKey(tag.key());
    const std::string id = keys::Tag(kind, key);
    auto known = updated.find(id);
    if (known == updated.end()) {
      auto stored = store_->GetTag(kind, key);
      if (!stored.ok() && !absl::IsNotFound(stored.status())) return stored.status();
      v1::Tag next;
      if (stored.ok()) {
        next = std::move(*stored);
      } else {
        next.set_kind(tag.kind());
        next.set_key(key);
        next.set_display_name(CollapseSpaces(tag.key()));
      }
      next.set_use_count(next.use_count() + std::max<int64_t>(1, tag.use_count()));
      IdentityStore::PutTag(batch, next);
      known = updated.emplace(id, std::move(next)).first;
    }
    *response.add_tags() = known->second;
  }
  if (absl::Status written = store_->Commit(std::move(batch)); !written.ok()) return written;
  return response;
}

}  // namespace trustsphere::identity
