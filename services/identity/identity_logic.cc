#include "services/identity/identity_logic.h"

#include <algorithm>
#include <map>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/auth/access_token.h"
#include "services/common/core/answer_once.h"
#include "services/common/core/crypto.h"
#include "services/common/core/month_index.h"
#include "services/common/core/proto_time.h"
#include "services/common/core/request_fingerprint.h"
#include "services/common/core/text.h"
#include "services/common/core/validation.h"
#include "services/identity/identity_validation.h"
#include "services/identity/new_records.h"
#include "services/identity/search_entry.h"

namespace trustsphere::identity {
namespace {

bool HasPath(const google::protobuf::FieldMask& mask, const std::string& path) {
  return std::find(mask.paths().begin(), mask.paths().end(), path) != mask.paths().end();
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

}  // namespace

IdentityLogic::IdentityLogic(std::unique_ptr<IdentityStore> store, SigningKeyPair signing_key,
                             PageTokenCodec page_tokens, IdentityOptions options)
    : store_(std::move(store)),
      signing_key_(std::move(signing_key)),
      page_tokens_(std::move(page_tokens)),
      options_(options),
      hasher_(options.password_cost),
      throttle_(store_->SharedLoginThrottle()) {
  if (!throttle_) throttle_ = std::make_unique<MemoryLoginThrottle>();
}

absl::Status IdentityLogic::EmailFree(const std::string& normalized_email) {
  auto owner = store_->PersonIdByEmail(normalized_email);
  if (!owner.ok()) return owner.status();
  if (owner->has_value())
    return absl::AlreadyExistsError("a person with this email already exists");
  return absl::OkStatus();
}

absl::StatusOr<v1::Person> IdentityLogic::CreatePerson(const Caller& caller,
                                                       const v1::CreatePersonRequest& request) {
  return AnswerOnce<v1::Person>(request.request_id(), caller.deadline,
                                [&] { return CreatePersonAttempt(request); });
}

absl::StatusOr<v1::Person> IdentityLogic::CreatePersonAttempt(
    const v1::CreatePersonRequest& request) {
  FieldErrors errors;
  CheckNewPerson(errors, "person.", request.person());
  CheckPassword(errors, "password", request.password());
  CheckRequestId(errors, "request_id", request.request_id());
  if (!errors.empty()) return errors.ToStatus();

  const std::string email = NormalizeEmail(request.person().email());
  auto pending = requests_.Begin(*store_, {"", "CreatePerson", request.request_id()},
                                 RequestFingerprint(request));
  if (!pending.ok()) return pending.status();
  if (const auto& earlier = pending->earlier_response()) {
    auto record = store_->Person(*earlier);
    if (!record.ok()) return record.status();
    if (!record->has_value()) return absl::DataLossError("a sign-up's person is missing");
    return (*record)->person();
  }
  auto guard = locks_.Lock({"email:" + email});
  if (absl::Status free = EmailFree(email); !free.ok()) return free;

  std::string hash = hasher_.Hash(request.password());
  if (hash.empty()) return absl::ResourceExhaustedError("cannot hash the password now; retry");

  absl::Time now = absl::Now();
  internal::PersonRecord record =
      NewPersonRecord(request.person(), NewId("prs_"), hash, email, now);
  const v1::Person person = record.person();
  IdentityWrite write;
  write.PutPerson(std::move(record));
  write.RecordRequest(pending->Record(person.id(), now));
  write.Log(internal::Change::KIND_PERSON_CREATED, person.id());
  if (absl::Status written = store_->Apply(write); !written.ok()) return written;
  return person;
}

absl::StatusOr<v1::Person> IdentityLogic::GetPerson(const Caller& caller,
                                                    const v1::GetPersonRequest& request) {
  FieldErrors errors;
  CheckId(errors, "id", request.id());
  if (!errors.empty()) return errors.ToStatus();
  auto record = store_->Person(request.id());
  if (!record.ok()) return record.status();
  if (!record->has_value()) return absl::NotFoundError("no such person");
  return ShownTo((*record)->person(), caller);
}

absl::StatusOr<v1::BatchGetPersonsResponse> IdentityLogic::BatchGetPersons(
    const Caller& caller, const v1::BatchGetPersonsRequest& request) {
  FieldErrors errors;
  CheckBatchIds(errors, request.ids());
  if (!errors.empty()) return errors.ToStatus();
  auto records = store_->Persons({request.ids().begin(), request.ids().end()});
  if (!records.ok()) return records.status();
  v1::BatchGetPersonsResponse response;
  for (const auto& record : *records) *response.add_persons() = ShownTo(record.person(), caller);
  return response;
}

absl::StatusOr<internal::PersonRecord> IdentityLogic::LiveOwnedPerson(
    const Caller& caller, const std::string& person_id) {
  if (absl::Status allowed = CheckMayEdit(caller, "person_id", person_id); !allowed.ok()) {
    return allowed;
  }
  auto record = store_->Person(person_id);
  if (!record.ok()) return record.status();
  if (!record->has_value()) return absl::NotFoundError("no such person");
  if ((*record)->person().state() != v1::PERSON_STATE_ACTIVE) {
    return absl::NotFoundError("this person was deleted");
  }
  return std::move(**record);
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

  const internal::PersonRecord previous = *record;
  v1::Person& person = *record->mutable_person();
  if (HasPath(request.update_mask(), "display_name")) {
    person.set_display_name(CollapseSpaces(changes.display_name()));
  }
  if (HasPath(request.update_mask(), "headline")) {
    person.set_headline(CollapseSpaces(changes.headline()));
  }
  if (HasPath(request.update_mask(), "locale")) person.set_locale(changes.locale());
  if (HasPath(request.update_mask(), "discoverable")) {
    person.set_discoverable(Discoverable(changes));
  }
  if (email_changes && new_email != record->normalized_email()) {
    if (absl::Status free = EmailFree(new_email); !free.ok()) return free;
    record->set_normalized_email(new_email);
  }
  if (email_changes) person.set_email(CanonicalEmail(changes.email()));
  *person.mutable_update_time() = ToProto(absl::Now());
  person.set_etag(NewEtag());
  if (record->has_search()) {
    *record->mutable_search() = Reindexed(*record);
  } else {
    // Stored before search: indexed whole, organisations included.
    auto entry = SearchEntryWithPositions(person);
    if (!entry.ok()) return entry.status();
    *record->mutable_search() = std::move(*entry);
  }

  IdentityWrite write;
  write.PutPerson(*record, previous);
  write.Log(internal::Change::KIND_PERSON_UPDATED, person.id());
  if (absl::Status written = store_->Apply(write); !written.ok()) return written;
  return ShownTo(person, caller);
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

  // Positions go with the person (at most kMaxPositionsPerPerson of them),
  // all in one write.
  auto positions = store_->PositionsOf(request.id(), "", kMaxPositionsPerPerson);
  if (!positions.ok()) return positions.status();
  // So are their sessions; their tokens are refused by the deletion itself.
  auto sessions = AllSessionsOf(request.id());
  if (!sessions.ok()) return sessions.status();
  IdentityWrite write;
  for (auto& position : positions->items) write.RemovePosition(std::move(position));
  for (auto& session : *sessions) write.DropSession(std::move(session));
  internal::PersonRecord tombstone;
  *tombstone.mutable_person() = Tombstone(record->person(), absl::Now());
  write.PutPerson(std::move(tombstone), *record);
  write.Log(internal::Change::KIND_PERSON_DELETED, request.id());
  if (absl::Status written = store_->Apply(write); !written.ok()) return written;
  if (person_deleted_) person_deleted_();
  return google::protobuf::Empty();
}

absl::StatusOr<v1::AuthenticateResponse> IdentityLogic::Authenticate(
    const Caller&, const v1::AuthenticateRequest& request) {
  FieldErrors errors;
  if (request.email().empty()) errors.Add("email", "required");
  if (request.email().size() > kMaxEmail) errors.Add("email", "too long");
  if (request.password().empty()) errors.Add("password", "required");
  if (request.password().size() > kMaxPassword) errors.Add("password", "too long");
  CheckDeviceLabel(errors, request.device_label());
  if (!errors.empty()) return errors.ToStatus();

  // An account made before addresses were NFKC-normalised and ASCII only is
  // stored under its earlier key: that key is tried when today's finds
  // nobody (an address refused today has no other).
  const std::string legacy = LegacyEmailKey(request.email());
  std::string email = NormalizeEmail(request.email());
  if (email.empty()) email = legacy;
  absl::Time now = absl::Now();
  if (absl::Status allowed = throttle_->Check(email, now); !allowed.ok()) return allowed;

  const absl::Status wrong = absl::UnauthenticatedError("wrong email or password");
  absl::StatusOr<std::optional<std::string>> person_id = std::nullopt;
  if (!email.empty()) person_id = store_->PersonIdByEmail(email);
  if (person_id.ok() && !person_id->has_value() && !legacy.empty() && legacy != email) {
    person_id = store_->PersonIdByEmail(legacy);
  }
  if (!person_id.ok()) return person_id.status();
  std::optional<internal::PersonRecord> record;
  if (person_id->has_value()) {
    auto found = store_->Person(**person_id);
    if (!found.ok()) return found.status();
    record = std::move(*found);
  }
  if (!record) {
    hasher_.VerifyNothing(request.password());
    throttle_->RecordFailure(email, now);
    return wrong;
  }
  if (!hasher_.Verify(record->password_hash(), request.password())) {
    throttle_->RecordFailure(email, now);
    return wrong;
  }
  throttle_->RecordSuccess(email);

  auto guard = locks_.Lock({"person:" + record->person().id()});
  // A deletion or a password change may have come between the check and
  // the lock: the session opens only for the password still current.
  auto live = store_->Person(record->person().id());
  if (!live.ok()) return live.status();
  if (!live->has_value() || (*live)->person().state() != v1::PERSON_STATE_ACTIVE ||
      (*live)->password_hash() != record->password_hash()) {
    return wrong;
  }
  return OpenSession(**live, request.device_label());
}

absl::StatusOr<v1::GetSigningKeysResponse> IdentityLogic::GetSigningKeys(
    const Caller&, const v1::GetSigningKeysRequest&) {
  v1::GetSigningKeysResponse response;
  auto* key = response.add_keys();
  key->set_key_id(signing_key_.key_id);
  key->set_algorithm("EdDSA");
  key->set_public_key(signing_key_.public_key);
  return response;
}

absl::StatusOr<v1::Position> IdentityLogic::AddPosition(const Caller& caller,
                                                        const v1::AddPositionRequest& request) {
  return AnswerOnce<v1::Position>(request.request_id(), caller.deadline,
                                  [&] { return AddPositionAttempt(caller, request); });
}

absl::StatusOr<v1::Position> IdentityLogic::AddPositionAttempt(
    const Caller& caller, const v1::AddPositionRequest& request) {
  // Who may act is checked before what they send (nothing to learn by probing).
  if (absl::Status allowed = CheckMayEdit(caller, "person_id", request.person_id()); !allowed.ok())
    return allowed;
  FieldErrors errors;
  CheckId(errors, "person_id", request.person_id());
  CheckNewPosition(errors, "position.", request.position());
  CheckRequestId(errors, "request_id", request.request_id());
  if (!errors.empty()) return errors.ToStatus();

  auto pending = requests_.Begin(*store_, {caller.person_id, "AddPosition", request.request_id()},
                                 RequestFingerprint(request));
  if (!pending.ok()) return pending.status();
  auto guard = locks_.Lock({"person:" + request.person_id()});
  auto owner = LiveOwnedPerson(caller, request.person_id());
  if (!owner.ok()) return owner.status();
  if (const auto& earlier = pending->earlier_response()) {
    auto position = store_->Position(*earlier);
    if (!position.ok()) return position.status();
    if (!position->has_value()) return absl::NotFoundError("the position was removed since");
    return **position;
  }

  auto count = store_->CountPositions(request.person_id(), kMaxPositionsPerPerson);
  if (!count.ok()) return count.status();
  if (*count >= kMaxPositionsPerPerson) {
    return absl::ResourceExhaustedError(
        absl::StrCat("a person holds at most ", kMaxPositionsPerPerson, " positions"));
  }

  absl::Time now = absl::Now();
  v1::Position position = NewPosition(request.position(), NewId("pos_"), request.person_id(), now);
  IdentityWrite write;
  if (absl::Status followed = FollowOrganizations(write, *owner, &position, ""); !followed.ok()) {
    return followed;
  }
  write.PutPosition(position);
  write.RecordRequest(pending->Record(position.id(), now));
  write.Log(internal::Change::KIND_POSITION_ADDED, position.person_id(), position.id());
  if (absl::Status written = store_->Apply(write); !written.ok()) return written;
  return position;
}

absl::StatusOr<v1::Position> IdentityLogic::OwnedPosition(const Caller& caller,
                                                          const std::string& id) {
  auto position = store_->Position(id);
  if (!position.ok()) return position.status();
  if (!position->has_value()) return absl::NotFoundError("no such position");
  if (absl::Status allowed = CheckMayEdit(caller, "position.person_id", (*position)->person_id());
      !allowed.ok()) {
    return allowed;
  }
  return std::move(**position);
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
  // The owner's record follows their organisations. No path takes a
  // position's lock while holding a person's, so this order cannot deadlock.
  auto owner_guard = locks_.Lock({"person:" + current->person_id()});
  auto owner = LiveOwnedPerson(caller, current->person_id());
  if (!owner.ok()) return owner.status();

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

  IdentityWrite write;
  if (absl::Status followed = FollowOrganizations(write, *owner, &updated, ""); !followed.ok()) {
    return followed;
  }
  write.PutPosition(updated, *current);
  write.Log(internal::Change::KIND_POSITION_UPDATED, updated.person_id(), updated.id());
  if (absl::Status written = store_->Apply(write); !written.ok()) return written;
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
  auto owner_guard = locks_.Lock({"person:" + current->person_id()});
  auto owner = LiveOwnedPerson(caller, current->person_id());
  if (!owner.ok()) return owner.status();
  IdentityWrite write;
  if (absl::Status followed = FollowOrganizations(write, *owner, nullptr, current->id());
      !followed.ok()) {
    return followed;
  }
  write.RemovePosition(*current);
  write.Log(internal::Change::KIND_POSITION_REMOVED, current->person_id(), current->id());
  if (absl::Status written = store_->Apply(write); !written.ok()) return written;
  return google::protobuf::Empty();
}

absl::StatusOr<internal::SearchEntry> IdentityLogic::SearchEntryWithPositions(
    const v1::Person& person) {
  auto positions = store_->PositionsOf(person.id(), "", kMaxPositionsPerPerson);
  if (!positions.ok()) return positions.status();
  return SearchEntryOf(person, OrganizationKeysOf(positions->items));
}

absl::Status IdentityLogic::FollowOrganizations(IdentityWrite& write,
                                                const internal::PersonRecord& owner,
                                                const v1::Position* put,
                                                const std::string& removed_id) {
  auto held = store_->PositionsOf(owner.person().id(), "", kMaxPositionsPerPerson);
  if (!held.ok()) return held.status();
  std::vector<v1::Position> positions;
  for (auto& position : held->items) {
    const bool replaced = put != nullptr && position.id() == put->id();
    if (!replaced && position.id() != removed_id) positions.push_back(std::move(position));
  }
  if (put != nullptr) positions.push_back(*put);
  // Written even when the organisations look the same: over PostgreSQL the
  // write then holds the person's row, so two replicas removing the last
  // two positions at one organisation cannot both keep it.
  internal::PersonRecord updated = owner;
  *updated.mutable_search() = SearchEntryOf(owner.person(), OrganizationKeysOf(positions));
  write.PutPerson(std::move(updated), owner);
  return absl::OkStatus();
}

absl::StatusOr<v1::BatchGetPositionsResponse> IdentityLogic::BatchGetPositions(
    const Caller& caller, const v1::BatchGetPositionsRequest& request) {
  FieldErrors errors;
  CheckBatchIds(errors, request.ids());
  if (!errors.empty()) return errors.ToStatus();
  auto positions = store_->Positions({request.ids().begin(), request.ids().end()});
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
  auto person = store_->Person(request.person_id());
  if (!person.ok()) return person.status();
  if (!person->has_value()) return absl::NotFoundError("no such person");

  auto page = store_->PositionsOf(request.person_id(), *cursor, page_size);
  if (!page.ok()) return page.status();
  v1::ListPositionsResponse response;
  for (auto& position : page->items) *response.add_positions() = std::move(position);
  response.set_next_page_token(page_tokens_.NextPageToken(query, page->next_cursor));
  return response;
}

absl::StatusOr<v1::FindOverlappingPositionsResponse> IdentityLogic::FindOverlappingPositions(
    const Caller& caller, const v1::FindOverlappingPositionsRequest& request) {
  FieldErrors errors;
  CheckId(errors, "position_id", request.position_id());
  const int page_size = PageSize(errors, request.page_size());
  if (!errors.empty()) return errors.ToStatus();

  auto position = store_->Position(request.position_id());
  if (!position.ok()) return position.status();
  if (!position->has_value()) return absl::NotFoundError("no such position");
  const common::v1::Period& period = (*position)->period();
  if (!caller.MayActFor((*position)->person_id())) {
    return absl::PermissionDeniedError("only the position's owner may look for overlaps");
  }
  const std::string query =
      absl::StrCat("FindOverlappingPositions\n", caller.person_id, "\n", request.position_id());
  auto cursor = page_tokens_.Decode(query, request.page_token());
  if (!cursor.ok()) return cursor.status();

  OverlapQuery overlap{.organization_key = (*position)->organization_key(),
                       .start_month = MonthIndex(period.start()),
                       .excluded_person_id = (*position)->person_id()};
  if (period.has_end()) overlap.end_month = MonthIndex(period.end());
  auto page = store_->OverlappingPositions(overlap, *cursor, page_size, kMaxOverlapScan);
  if (!page.ok()) return page.status();
  v1::FindOverlappingPositionsResponse response;
  for (auto& found : page->items) *response.add_positions() = std::move(found);
  response.set_next_page_token(page_tokens_.NextPageToken(query, page->next_cursor));
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

  auto candidates =
      store_->TagsWithPrefix(request.kind(), NormalizeKey(request.prefix()), kTagRankingWindow);
  if (!candidates.ok()) return candidates.status();

  std::sort(candidates->begin(), candidates->end(), [](const v1::Tag& a, const v1::Tag& b) {
    if (a.use_count() != b.use_count()) return a.use_count() > b.use_count();
    return a.key() < b.key();
  });
  v1::SearchTagsResponse response;
  for (int i = 0; i < std::min<int>(page_size, candidates->size()); ++i) {
    *response.add_tags() = std::move((*candidates)[i]);
  }
  return response;
}

absl::StatusOr<v1::BatchGetTagsResponse> IdentityLogic::BatchGetTags(
    const Caller&, const v1::BatchGetTagsRequest& request) {
  FieldErrors errors;
  if (request.facets().empty() || request.facets_size() > kMaxBatchGet) {
    errors.Add("facets", absl::StrCat("1 to ", kMaxBatchGet, " facets"));
  }
  for (int i = 0; i < request.facets_size() && i < kMaxBatchGet; ++i) {
    const auto& facet = request.facets(i);
    const std::string field = absl::StrCat("facets[", i, "]");
    if (facet.kind() != common::v1::FACET_KIND_COMPETENCY &&
        facet.kind() != common::v1::FACET_KIND_QUALITY) {
      errors.Add(field + ".kind", "FACET_KIND_COMPETENCY or FACET_KIND_QUALITY");
    }
    CheckText(errors, field + ".key", facet.key(), 1, kMaxTagChars);
  }
  if (!errors.empty()) return errors.ToStatus();

  // One point read per distinct tag, at most a hundred: no scan.
  absl::flat_hash_set<std::pair<int, std::string>> seen;
  v1::BatchGetTagsResponse response;
  for (const auto& facet : request.facets()) {
    std::pair<int, std::string> id = {facet.kind(), NormalizeKey(facet.key())};
    if (id.second.empty() || !seen.insert(id).second) continue;
    auto stored = store_->Tag(facet.kind(), id.second);
    if (!stored.ok()) return stored.status();
    if (stored->has_value()) *response.add_tags() = std::move(**stored);
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

  // Another replica may count the same tags at the same moment: its write
  // makes ours ABORTED, and the count is read again after a short random
  // pause, so that two replicas do not collide again in step.
  constexpr int kAttempts = 10;
  absl::StatusOr<v1::RecordTagUseResponse> counted;
  absl::BitGen random;
  for (int attempt = 1;; ++attempt) {
    counted = CountTagUses(request);
    if (!absl::IsAborted(counted.status()) || attempt == kAttempts) return counted;
    absl::SleepFor(absl::Microseconds(absl::Uniform(random, 100, 1000 * attempt)));
  }
}

absl::StatusOr<v1::RecordTagUseResponse> IdentityLogic::CountTagUses(
    const v1::RecordTagUseRequest& request) {
  // Each distinct tag counts once per request, however often it is named,
  // and is written in key order: two replicas lock the same rows in the
  // same order.
  std::map<std::pair<int, std::string>, const v1::Tag*> named;
  for (const auto& tag : request.tags())
    named.try_emplace({tag.kind(), NormalizeKey(tag.key())}, &tag);
  absl::flat_hash_map<std::pair<int, std::string>, v1::Tag> updated;
  IdentityWrite write;
  for (const auto& [id, tag] : named) {
    auto stored = store_->Tag(tag->kind(), id.second);
    if (!stored.ok()) return stored.status();
    v1::Tag next;
    if (stored->has_value()) {
      next = **stored;
    } else {
      next.set_kind(tag->kind());
      next.set_key(id.second);
      next.set_display_name(CollapseSpaces(tag->key()));
    }
    next.set_use_count(next.use_count() + std::max<int64_t>(1, tag->use_count()));
    write.PutTag(next, std::move(*stored));
    updated.emplace(id, std::move(next));
  }
  if (absl::Status written = store_->Apply(write); !written.ok()) return written;
  v1::RecordTagUseResponse response;
  for (const auto& tag : request.tags()) {
    *response.add_tags() = updated.at({tag.kind(), NormalizeKey(tag.key())});
  }
  return response;
}

}  // namespace trustsphere::identity
