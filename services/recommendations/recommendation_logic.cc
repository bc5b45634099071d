#include "services/recommendations/recommendation_logic.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/core/crypto.h"
#include "services/common/core/facet.h"
#include "services/common/core/proto_time.h"
#include "services/common/core/request_fingerprint.h"
#include "services/common/core/validation.h"
#include "services/common/paging.h"
#include "services/recommendations/recommendation_store.h"
#include "services/recommendations/recommendations_keys.h"
#include "storage/proto_value.h"

namespace trustsphere::recommendations {
namespace {

using storage::WriteBatch;

constexpr size_t kMaxText = 5000;
constexpr size_t kMaxOralText = 1000;
constexpr size_t kMaxContact = 200;
constexpr size_t kMaxAvailability = 200;
constexpr size_t kMaxMessage = 2000;
constexpr int kMaxContextPositions = 10;

constexpr const char* kRevisablePaths[] = {"facets", "text", "contact", "availability",
                                           "context_position_ids"};

const char* StateName(v1::RecommendationState state) {
  switch (state) {
    case v1::RECOMMENDATION_STATE_SUBMITTED:
      return "submitted";
    case v1::RECOMMENDATION_STATE_PUBLISHED:
      return "published";
    case v1::RECOMMENDATION_STATE_HIDDEN:
      return "hidden";
    case v1::RECOMMENDATION_STATE_WITHDRAWN:
      return "withdrawn";
    case v1::RECOMMENDATION_STATE_STALE:
      return "stale";
    default:
      return "unknown";
  }
}

// Normalises facets in place; `field` names the repeated field.
void NormalizeFacets(FieldErrors& errors, const std::string& field,
                     google::protobuf::RepeatedPtrField<common::v1::Facet>* facets, int min) {
  if (facets->size() < min || facets->size() > RecommendationLogic::kMaxFacets) {
    errors.Add(field, absl::StrCat(min, " to ", RecommendationLogic::kMaxFacets, " facets"));
  }
  std::set<std::pair<int, std::string>> seen;
  for (int i = 0; i < facets->size(); ++i) {
    const std::string item = absl::StrCat(field, "[", i, "]");
    common::v1::Facet normalized = NormalizeFacet(errors, item, facets->Get(i));
    if (!seen.insert({normalized.kind(), normalized.key()}).second) {
      errors.Add(item, "duplicate facet");
    }
    *facets->Mutable(i) = std::move(normalized);
  }
}

// The content rules of a recommendation, by field; normalises facets.
void CheckContent(FieldErrors& errors, v1::Recommendation& recommendation) {
  const std::string prefix = "recommendation.";
  NormalizeFacets(errors, prefix + "facets", recommendation.mutable_facets(), 1);
  if (recommendation.form() == v1::FORM_WRITTEN) {
    CheckText(errors, prefix + "text", recommendation.text(), 1, kMaxText, Lines::kMulti);
    if (!recommendation.contact().empty()) errors.Add(prefix + "contact", "for ORAL only");
    if (!recommendation.availability().empty()) {
      errors.Add(prefix + "availability", "for ORAL only");
    }
  } else if (recommendation.form() == v1::FORM_ORAL) {
    CheckText(errors, prefix + "text", recommendation.text(), 0, kMaxOralText, Lines::kMulti);
    CheckText(errors, prefix + "contact", recommendation.contact(), 1, kMaxContact);
    CheckText(errors, prefix + "availability", recommendation.availability(), 0, kMaxAvailability);
  } else {
    errors.Add(prefix + "form", "FORM_WRITTEN or FORM_ORAL");
  }
  if (recommendation.context_position_ids_size() > kMaxContextPositions) {
    errors.Add(prefix + "context_position_ids",
               absl::StrCat("at most ", kMaxContextPositions, " positions"));
  }
  for (int i = 0; i < recommendation.context_position_ids_size(); ++i) {
    CheckId(errors, absl::StrCat(prefix, "context_position_ids[", i, "]"),
            recommendation.context_position_ids(i));
  }
}

bool HasPath(const google::protobuf::FieldMask& mask, const std::string& path) {
  return std::find(mask.paths().begin(), mask.paths().end(), path) != mask.paths().end();
}

bool MayAlwaysSee(const Caller& caller, const v1::Recommendation& recommendation) {
  return caller.IsPrivileged() || caller.person_id == recommendation.author_id() ||
         caller.person_id == recommendation.subject_id();
}

}  // namespace

v1::Recommendation WithoutContact(v1::Recommendation recommendation, const Caller& caller) {
  if (caller.person_id != recommendation.author_id()) recommendation.clear_contact();
  return recommendation;
}

RecommendationLogic::RecommendationLogic(std::unique_ptr<storage::Engine> engine,
                                         IdentityClient* identity,
                                         RelationshipsClient* relationships,
                                         PageTokenCodec page_tokens, SigningKeyPair signing_key)
    : engine_(std::move(engine)),
      identity_(identity),
      relationships_(relationships),
      page_tokens_(std::move(page_tokens)),
      signing_key_(std::move(signing_key)) {}

absl::Status RecommendationLogic::Commit(WriteBatch batch) {
  return engine_->Write(std::move(batch)).status();
}

// --- Requests --------------------------------------------------------------

absl::StatusOr<v1::RecommendationRequest> RecommendationLogic::RequestRecommendation(
    const Caller& caller, const v1::RequestRecommendationRequest& request) {
  if (!caller.Has(Role::kUser)) return absl::PermissionDeniedError("only a person asks");
  FieldErrors errors;
  CheckId(errors, "author_id", request.author_id());
  if (request.author_id() == caller.person_id) errors.Add("author_id", "cannot ask oneself");
  v1::RecommendationRequest created;
  *created.mutable_facets() = request.facets();
  NormalizeFacets(errors, "facets", created.mutable_facets(), 0);
  CheckText(errors, "message", request.message(), 0, kMaxMessage, Lines::kMulti);
  if (!errors.empty()) return errors.ToStatus();

  auto author = identity_->GetPerson(request.author_id(), caller.deadline);
  if (absl::IsNotFound(author.status()) ||
      (author.ok() && author->state() != identity::v1::PERSON_STATE_ACTIVE)) {
    return absl::NotFoundError("the author does not exist or was deleted");
  }
  if (!author.ok()) return author.status();

  created.set_id(NewId("req_"));
  created.set_subject_id(caller.person_id);
  created.set_author_id(request.author_id());
  created.set_message(request.message());
  created.set_state(v1::REQUEST_STATE_OPEN);
  *created.mutable_create_time() = ToProto(absl::Now());
  WriteBatch batch;
  store::PutRequest(batch, created, /*created=*/true);
  if (absl::Status written = Commit(std::move(batch)); !written.ok()) return written;
  return created;
}

absl::StatusOr<v1::ListRequestsResponse> RecommendationLogic::ListRequests(
    const Caller& caller, const v1::ListRequestsRequest& request) {
  FieldErrors errors;
  CheckId(errors, "person_id", request.person_id());
  const int size = PageSize(errors, request.page_size());
  if (!errors.empty()) return errors.ToStatus();
  if (!caller.MayActFor(request.person_id())) {
    return absl::PermissionDeniedError("a person's requests are theirs to list");
  }
  const std::string query = absl::StrCat("ListRequests\n", caller.person_id, "\n",
                                         request.person_id(), "\n", request.sent());
  v1::ListRequestsResponse response;
  absl::Status filled = FillPage<v1::RecommendationRequest>(
      *engine_, page_tokens_, query, request.page_token(),
      request.sent() ? keys::kRequestsBySubject : keys::kRequestsByAuthor,
      keys::TimelinePrefix(request.person_id()), size, nullptr, /*reverse=*/true,
      [&](std::string_view key,
          std::string_view) -> absl::StatusOr<std::optional<v1::RecommendationRequest>> {
        auto found = store::GetRequest(*engine_, keys::IdOfTimeline(key));
        if (!found.ok()) return found.status();
        return std::optional<v1::RecommendationRequest>(std::move(*found));
      },
      response.mutable_requests(), &response);
  if (!filled.ok()) return filled;
  return response;
}

absl::StatusOr<v1::RecommendationRequest> RecommendationLogic::DeclineRequest(
    const Caller& caller, const v1::DeclineRequestRequest& request) {
  FieldErrors errors;
  CheckId(errors, "id", request.id());
  if (!errors.empty()) return errors.ToStatus();
  auto guard = locks_.Lock({"request:" + request.id()});
  auto found = store::GetRequest(*engine_, request.id());
  // Requests are private to their two people: others learn nothing.
  if (absl::IsNotFound(found.status()) || (found.ok() && !caller.MayActFor(found->author_id()) &&
                                           caller.person_id != found->subject_id())) {
    return absl::NotFoundError("no such request");
  }
  if (!found.ok()) return found.status();
  if (caller.person_id != found->author_id()) {
    return absl::PermissionDeniedError("only the author declines a request");
  }
  if (found->state() != v1::REQUEST_STATE_OPEN) {
    return absl::FailedPreconditionError("the request is no longer open");
  }
  found->set_state(v1::REQUEST_STATE_DECLINED);
  WriteBatch batch;
  store::PutRequest(batch, *found, /*created=*/false);
  if (absl::Status written = Commit(std::move(batch)); !written.ok()) return written;
  return found;
}

// --- Writing ---------------------------------------------------------------

absl::Status RecommendationLogic::CheckWithinSphere(const Caller& caller,
                                                    const v1::Recommendation& recommendation) {
  std::vector<relationships::v1::CheckTrustRequest> checks;
  for (const auto& facet : recommendation.facets()) {
    relationships::v1::CheckTrustRequest check;
    check.set_truster_id(recommendation.author_id());
    check.set_trustee_id(recommendation.subject_id());
    *check.mutable_facet() = facet;
    checks.push_back(std::move(check));
  }
  auto verdicts = relationships_->Verdicts(checks, caller.deadline);
  if (!verdicts.ok()) return verdicts.status();
  if (std::all_of(verdicts->begin(), verdicts->end(),
                  [](auto verdict) { return verdict == relationships::v1::VERDICT_NO_TRUST; })) {
    return absl::FailedPreconditionError(
        "the author has no active trust statement about the subject");
  }
  std::vector<std::pair<std::string, std::string>> outside;
  for (size_t i = 0; i < verdicts->size(); ++i) {
    if ((*verdicts)[i] == relationships::v1::VERDICT_INSIDE) continue;
    outside.emplace_back(
        absl::StrCat("recommendation.facets[", i, "]"),
        absl::StrCat(recommendation.facets(i).key(),
                     (*verdicts)[i] == relationships::v1::VERDICT_OUTSIDE
                         ? " is outside the author's trust sphere for the subject"
                         : " is not inside the author's trust sphere for the subject"));
  }
  if (outside.empty()) return absl::OkStatus();
  std::string names;
  for (const auto& [field, description] : outside)
    names += (names.empty() ? "" : "; ") + description;
  return PreconditionFailed(names, "TRUST_SPHERE", outside);
}

absl::Status RecommendationLogic::CheckContextPositions(const Caller& caller,
                                                        const v1::Recommendation& recommendation) {
  if (recommendation.context_position_ids().empty()) return absl::OkStatus();
  std::vector<std::string> ids(recommendation.context_position_ids().begin(),
                               recommendation.context_position_ids().end());
  auto positions = identity_->BatchGetPositions(ids, caller.deadline);
  if (!positions.ok()) return positions.status();
  FieldErrors errors;
  for (size_t i = 0; i < ids.size(); ++i) {
    bool owned = std::any_of(positions->begin(), positions->end(), [&](const auto& position) {
      return position.id() == ids[i] && (position.person_id() == recommendation.author_id() ||
                                         position.person_id() == recommendation.subject_id());
    });
    if (!owned) {
      errors.Add(absl::StrCat("recommendation.context_position_ids[", i, "]"),
                 "not a position of the author or the subject");
    }
  }
  return errors.ToStatus();
}

absl::StatusOr<v1::Recommendation> RecommendationLogic::WriteRecommendation(
    const Caller& caller, const v1::WriteRecommendationRequest& request) {
  if (!caller.Has(Role::kUser)) return absl::PermissionDeniedError("only a person recommends");
  v1::Recommendation recommendation = request.recommendation();
  recommendation.set_author_id(caller.person_id);
  FieldErrors errors;
  CheckId(errors, "recommendation.subject_id", recommendation.subject_id());
  if (recommendation.subject_id() == caller.person_id) {
    errors.Add("recommendation.subject_id", "cannot recommend oneself");
  }
  CheckContent(errors, recommendation);
  CheckRequestId(errors, "request_id", request.request_id());
  if (!request.answers_request_id().empty()) {
    CheckId(errors, "answers_request_id", request.answers_request_id());
  }
  if (!errors.empty()) return errors.ToStatus();

  const std::string fingerprint = RequestFingerprint(request);
  // Retries with one request id, answers to one request, and trust changes
  // of this author about this subject (ApplyTrustChange) are serialised.
  auto guard =
      locks_.Lock({absl::StrCat("idempotency:", caller.person_id, "|", request.request_id()),
                   "request:" + request.answers_request_id(),
                   PairLock(caller.person_id, recommendation.subject_id())});
  if (!request.request_id().empty()) {
    auto earlier = storage::ParseValue<internal::RequestRecord>(engine_->Get(
        keys::kIdempotency, keys::Idempotency(caller.person_id, request.request_id())));
    if (earlier.ok()) {
      if (earlier->fingerprint() != fingerprint) {
        return InvalidField("request_id", "already used for a request with other content");
      }
      auto first = store::GetRecommendation(*engine_, earlier->recommendation_id());
      if (!first.ok()) return first.status();
      return WithoutContact(std::move(*first), caller);
    }
    if (!absl::IsNotFound(earlier.status())) return earlier.status();
  }

  std::optional<v1::RecommendationRequest> answered;
  if (!request.answers_request_id().empty()) {
    auto found = store::GetRequest(*engine_, request.answers_request_id());
    if (!found.ok() && !absl::IsNotFound(found.status())) return found.status();
    if (!found.ok() || found->author_id() != caller.person_id ||
        found->subject_id() != recommendation.subject_id()) {
      return InvalidField("answers_request_id", "not a request to you from this subject");
    }
    if (found->state() != v1::REQUEST_STATE_OPEN) {
      return absl::FailedPreconditionError("the request is no longer open");
    }
    answered = std::move(*found);
  }
  if (absl::Status within = CheckWithinSphere(caller, recommendation); !within.ok()) return within;
  if (absl::Status owned = CheckContextPositions(caller, recommendation); !owned.ok()) return owned;

  absl::Time now = absl::Now();
  recommendation.set_id(NewId("rec_"));
  recommendation.set_version(1);
  recommendation.set_state(v1::RECOMMENDATION_STATE_SUBMITTED);
  *recommendation.mutable_create_time() = ToProto(now);
  *recommendation.mutable_update_time() = ToProto(now);
  recommendation.set_etag(NewEtag());

  WriteBatch batch;
  store::PutRecommendation(batch, recommendation, /*new_version=*/true, /*created=*/true);
  if (answered) {
    answered->set_state(v1::REQUEST_STATE_FULFILLED);
    answered->set_recommendation_id(recommendation.id());
    store::PutRequest(batch, *answered, /*created=*/false);
  }
  if (!request.request_id().empty()) {
    internal::RequestRecord done;
    done.set_fingerprint(fingerprint);
    done.set_recommendation_id(recommendation.id());
    *done.mutable_create_time() = ToProto(now);
    batch.Put(keys::kIdempotency, keys::Idempotency(caller.person_id, request.request_id()),
              done.SerializeAsString());
  }
  if (absl::Status written = Commit(std::move(batch)); !written.ok()) return written;
  return recommendation;
}

absl::StatusOr<v1::Recommendation> RecommendationLogic::ReviseRecommendation(
    const Caller& caller, const v1::ReviseRecommendationRequest& request) {
  const v1::Recommendation& changes = request.recommendation();
  FieldErrors errors;
  CheckId(errors, "recommendation.id", changes.id());
  CheckEtag(errors, "recommendation.etag", changes.etag());
  if (request.update_mask().paths().empty()) {
    errors.Add("update_mask", "required: name the fields to change");
  }
  for (const auto& path : request.update_mask().paths()) {
    if (std::none_of(std::begin(kRevisablePaths), std::end(kRevisablePaths),
                     [&](const char* allowed) { return path == allowed; })) {
      errors.Add("update_mask", "cannot revise \"" + path + "\"");
    }
  }
  if (!errors.empty()) return errors.ToStatus();

  auto guard = locks_.Lock({"recommendation:" + changes.id()});
  auto current = Visible(caller, changes.id());
  if (!current.ok()) return current.status();
  if (caller.person_id != current->author_id()) {
    return absl::PermissionDeniedError("only the author revises a recommendation");
  }
  if (current->etag() != changes.etag()) {
    return absl::AbortedError("etag mismatch: the recommendation changed since it was read");
  }
  if (current->state() == v1::RECOMMENDATION_STATE_WITHDRAWN) {
    return absl::FailedPreconditionError("a withdrawn recommendation is final");
  }
  if (current->version() >= kMaxVersions) {
    return absl::ResourceExhaustedError(
        absl::StrCat("a recommendation keeps at most ", kMaxVersions, " versions"));
  }

  v1::Recommendation revised = *current;
  const auto& mask = request.update_mask();
  if (HasPath(mask, "facets")) *revised.mutable_facets() = changes.facets();
  if (HasPath(mask, "text")) revised.set_text(changes.text());
  if (HasPath(mask, "contact")) revised.set_contact(changes.contact());
  if (HasPath(mask, "availability")) revised.set_availability(changes.availability());
  if (HasPath(mask, "context_position_ids")) {
    *revised.mutable_context_position_ids() = changes.context_position_ids();
  }
  CheckContent(errors, revised);
  if (!errors.empty()) return errors.ToStatus();
  if (absl::Status within = CheckWithinSphere(caller, revised); !within.ok()) return within;
  if (absl::Status owned = CheckContextPositions(caller, revised); !owned.ok()) return owned;

  // A new version starts over: the subject decides again what is shown.
  revised.set_version(current->version() + 1);
  revised.set_state(v1::RECOMMENDATION_STATE_SUBMITTED);
  *revised.mutable_update_time() = ToProto(absl::Now());
  revised.set_etag(NewEtag());
  WriteBatch batch;
  store::PutRecommendation(batch, revised, /*new_version=*/true, /*created=*/false);
  if (absl::Status written = Commit(std::move(batch)); !written.ok()) return written;
  return revised;
}

// --- State changes and reads -------------------------------------------------

absl::StatusOr<v1::Recommendation> RecommendationLogic::Visible(const Caller& caller,
                                                                const std::string& id) {
  auto found = store::GetRecommendation(*engine_, id);
  if (absl::IsNotFound(found.status()) || (found.ok() && !MayAlwaysSee(caller, *found) &&
                                           found->state() != v1::RECOMMENDATION_STATE_PUBLISHED)) {
    return absl::NotFoundError("no such recommendation");
  }
  return found;
}

absl::StatusOr<v1::Recommendation> RecommendationLogic::Transition(
    const Caller& caller, const std::string& id, Party party,
    std::vector<v1::RecommendationState> from, v1::RecommendationState to,
    const std::string& etag) {
  FieldErrors errors;
  CheckId(errors, "id", id);
  if (!errors.empty()) return errors.ToStatus();
  auto guard = locks_.Lock({"recommendation:" + id});
  auto current = Visible(caller, id);
  if (!current.ok()) return current.status();
  const std::string& party_id =
      party == Party::kAuthor ? current->author_id() : current->subject_id();
  if (caller.person_id != party_id) {
    return absl::PermissionDeniedError(party == Party::kAuthor
                                           ? "only the author may do this"
                                           : "only the subject decides what is shown");
  }
  if (!etag.empty() && current->etag() != etag) {
    return absl::AbortedError("etag mismatch: the recommendation changed since it was read");
  }
  if (current->state() == to) return current;  // already done: retries are harmless
  if (std::find(from.begin(), from.end(), current->state()) == from.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("the recommendation is ", StateName(current->state())));
  }
  current->set_state(to);
  *current->mutable_update_time() = ToProto(absl::Now());
  current->set_etag(NewEtag());
  WriteBatch batch;
  store::PutRecommendation(batch, *current, /*new_version=*/false, /*created=*/false);
  if (absl::Status written = Commit(std::move(batch)); !written.ok()) return written;
  return WithoutContact(std::move(*current), caller);
}

absl::StatusOr<v1::Recommendation> RecommendationLogic::WithdrawRecommendation(
    const Caller& caller, const v1::WithdrawRecommendationRequest& request) {
  FieldErrors errors;
  CheckEtag(errors, "etag", request.etag());
  if (!errors.empty()) return errors.ToStatus();
  return Transition(caller, request.id(), Party::kAuthor,
                    {v1::RECOMMENDATION_STATE_SUBMITTED, v1::RECOMMENDATION_STATE_PUBLISHED,
                     v1::RECOMMENDATION_STATE_HIDDEN, v1::RECOMMENDATION_STATE_STALE},
                    v1::RECOMMENDATION_STATE_WITHDRAWN, request.etag());
}

absl::StatusOr<v1::Recommendation> RecommendationLogic::PublishRecommendation(
    const Caller& caller, const v1::PublishRecommendationRequest& request) {
  return Transition(caller, request.id(), Party::kSubject,
                    {v1::RECOMMENDATION_STATE_SUBMITTED, v1::RECOMMENDATION_STATE_HIDDEN},
                    v1::RECOMMENDATION_STATE_PUBLISHED);
}

absl::StatusOr<v1::Recommendation> RecommendationLogic::HideRecommendation(
    const Caller& caller, const v1::HideRecommendationRequest& request) {
  return Transition(caller, request.id(), Party::kSubject,
                    {v1::RECOMMENDATION_STATE_SUBMITTED, v1::RECOMMENDATION_STATE_PUBLISHED},
                    v1::RECOMMENDATION_STATE_HIDDEN);
}

absl::StatusOr<v1::Recommendation> RecommendationLogic::GetRecommendation(
    const Caller& caller, const v1::GetRecommendationRequest& request) {
  FieldErrors errors;
  CheckId(errors, "id", request.id());
  if (!errors.empty()) return errors.ToStatus();
  auto found = Visible(caller, request.id());
  if (!found.ok()) return found.status();
  return WithoutContact(std::move(*found), caller);
}

absl::StatusOr<v1::ListRecommendationsResponse> RecommendationLogic::ListTimeline(
    const Caller& caller, storage::Family family, const std::string& person,
    const std::string& query, int32_t page_size, const std::string& page_token) {
  FieldErrors errors;
  const int size = PageSize(errors, page_size);
  if (!errors.empty()) return errors.ToStatus();
  auto snapshot = engine_->TakeSnapshot();
  v1::ListRecommendationsResponse response;
  absl::Status filled = FillPage<v1::Recommendation>(
      *engine_, page_tokens_, query, page_token, family, keys::TimelinePrefix(person), size,
      snapshot.get(), /*reverse=*/true,
      [&](std::string_view key,
          std::string_view) -> absl::StatusOr<std::optional<v1::Recommendation>> {
        auto found = store::GetRecommendation(*engine_, keys::IdOfTimeline(key), snapshot.get());
        if (!found.ok()) return found.status();
        if (!MayAlwaysSee(caller, *found) && found->state() != v1::RECOMMENDATION_STATE_PUBLISHED) {
          return std::nullopt;
        }
        return std::optional<v1::Recommendation>(WithoutContact(std::move(*found), caller));
      },
      response.mutable_recommendations(), &response);
  if (!filled.ok()) return filled;
  return response;
}

absl::StatusOr<v1::ListRecommendationsResponse> RecommendationLogic::ListRecommendations(
    const Caller& caller, const v1::ListRecommendationsRequest& request) {
  const bool by_subject = !request.subject_id().empty();
  FieldErrors errors;
  if (by_subject == !request.author_id().empty()) {
    errors.Add("subject_id", "set exactly one of subject_id and author_id");
  } else {
    CheckId(errors, by_subject ? "subject_id" : "author_id",
            by_subject ? request.subject_id() : request.author_id());
  }
  if (!errors.empty()) return errors.ToStatus();
  const std::string& person = by_subject ? request.subject_id() : request.author_id();
  const std::string query = absl::StrCat("ListRecommendations\n", caller.person_id, "\n",
                                         by_subject ? "subject" : "author", "\n", person);
  return ListTimeline(caller, by_subject ? keys::kBySubject : keys::kByAuthor, person, query,
                      request.page_size(), request.page_token());
}

absl::StatusOr<v1::ListRecommendationVersionsResponse>
RecommendationLogic::ListRecommendationVersions(
    const Caller& caller, const v1::ListRecommendationVersionsRequest& request) {
  FieldErrors errors;
  CheckId(errors, "id", request.id());
  if (!errors.empty()) return errors.ToStatus();
  auto current = Visible(caller, request.id());
  if (!current.ok()) return current.status();
  if (!MayAlwaysSee(caller, *current)) {
    return absl::PermissionDeniedError("versions are for the author and the subject");
  }
  v1::ListRecommendationVersionsResponse response;
  absl::Status bad;
  absl::Status scanned = engine_->Scan(
      keys::kVersions, {.prefix = keys::VersionsPrefix(request.id()), .reverse = true},
      [&](std::string_view, std::string_view value) {
        auto version = storage::ParseValue<v1::Recommendation>(value);
        if (!version.ok()) {
          bad = version.status();
          return false;
        }
        // The latest version carries the current state; older ones keep the
        // state they had when superseded.
        if (version->version() == current->version()) version->set_state(current->state());
        *response.add_versions() = WithoutContact(std::move(*version), caller);
        return true;
      });
  if (!scanned.ok()) return scanned;
  if (!bad.ok()) return bad;
  return response;
}

}  // namespace trustsphere::recommendations
