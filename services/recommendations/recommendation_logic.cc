#include "services/recommendations/recommendation_logic.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/core/answer_once.h"
#include "services/common/core/crypto.h"
#include "services/common/core/proto_time.h"
#include "services/common/core/request_fingerprint.h"
#include "services/common/core/validation.h"
#include "services/recommendations/recommendation_content.h"

namespace trustsphere::recommendations {
namespace {

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

RecommendationLogic::RecommendationLogic(std::unique_ptr<RecommendationStore> store,
                                         IdentityDirectory* identity, TrustOracle* trust,
                                         PageTokenCodec page_tokens, SigningKeyPair signing_key)
    : store_(std::move(store)),
      identity_(identity),
      trust_(trust),
      page_tokens_(std::move(page_tokens)),
      signing_key_(std::move(signing_key)) {}

absl::StatusOr<v1::Recommendation> RecommendationLogic::Stored(const std::string& id) {
  auto found = store_->Recommendation(id);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return absl::NotFoundError("no such recommendation");
  return std::move(**found);
}

void AppendTrustChecks(const v1::Recommendation& recommendation,
                       std::vector<relationships::v1::CheckTrustRequest>& checks) {
  for (const auto& facet : recommendation.facets()) {
    relationships::v1::CheckTrustRequest& check = checks.emplace_back();
    check.set_truster_id(recommendation.author_id());
    check.set_trustee_id(recommendation.subject_id());
    *check.mutable_facet() = facet;
  }
}

// --- Writing ---------------------------------------------------------------

absl::Status RecommendationLogic::CheckWithinSphere(const Caller& caller,
                                                    const v1::Recommendation& recommendation) {
  std::vector<relationships::v1::CheckTrustRequest> checks;
  AppendTrustChecks(recommendation, checks);
  auto verdicts = trust_->Verdicts(checks, caller.deadline);
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
  return AnswerOnce<v1::Recommendation>(request.request_id(), caller.deadline, [&] {
    return WriteRecommendationAttempt(caller, request);
  });
}

absl::StatusOr<v1::Recommendation> RecommendationLogic::WriteRecommendationAttempt(
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

  // A retry is compared once normalised (facets spelt otherwise, the author
  // given or not: the same request).
  v1::WriteRecommendationRequest canonical = request;
  *canonical.mutable_recommendation() = recommendation;
  auto pending =
      requests_.Begin(*store_, {caller.person_id, "WriteRecommendation", request.request_id()},
                      RequestFingerprint(canonical), RequestFingerprint(request));
  if (!pending.ok()) return pending.status();
  if (const auto& earlier = pending->earlier_response()) {
    auto first = Stored(*earlier);
    if (!first.ok()) return first.status();
    return WithoutContact(std::move(*first), caller);
  }
  // Trust changes of this author about this subject (ApplyTrustChanges)
  // are serialised with the write, and so is an answer with the subject's
  // other request changes; a write that answers nothing leaves those free
  // while it asks relationships and identity.
  std::vector<std::string> lock_keys = {PairLock(caller.person_id, recommendation.subject_id())};
  if (!request.answers_request_id().empty()) {
    lock_keys.push_back(RequestsLock(recommendation.subject_id()));
  }
  // Held across the checks with relationships and identity: a write that
  // passed them before the subject's erasure is waited for by it.
  auto pass = erasures_.Enter({caller.person_id, recommendation.subject_id()});
  if (!pass.ok()) return pass.status();
  auto guard = locks_.Lock(lock_keys);

  std::optional<v1::RecommendationRequest> answered;
  if (!request.answers_request_id().empty()) {
    auto found = store_->Request(request.answers_request_id());
    if (!found.ok()) return found.status();
    if (!found->has_value() || (*found)->author_id() != caller.person_id ||
        (*found)->subject_id() != recommendation.subject_id()) {
      return InvalidField("answers_request_id", "not a request to you from this subject");
    }
    if ((*found)->state() != v1::REQUEST_STATE_OPEN) {
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

  RecommendationWrite write;
  write.PutRecommendation(recommendation, /*new_version=*/true, /*created=*/true);
  if (answered) {
    const v1::RecommendationRequest read = *answered;
    answered->set_state(v1::REQUEST_STATE_FULFILLED);
    answered->set_recommendation_id(recommendation.id());
    write.PutRequest(*answered, /*created=*/false, read);
  }
  write.RecordRequest(pending->Record(recommendation.id(), now));
  if (absl::Status written = store_->Apply(write); !written.ok()) return written;
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

  auto guard = locks_.Lock({RecommendationLock(changes.id())});
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
  RecommendationWrite write;
  write.PutRecommendation(revised, /*new_version=*/true, /*created=*/false, *current);
  if (absl::Status written = store_->Apply(write); !written.ok()) return written;
  return revised;
}

// --- State changes and reads -------------------------------------------------

absl::StatusOr<v1::Recommendation> RecommendationLogic::Visible(const Caller& caller,
                                                                const std::string& id) {
  auto found = Stored(id);
  if (found.ok() && !MayAlwaysSee(caller, *found) &&
      found->state() != v1::RECOMMENDATION_STATE_PUBLISHED) {
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
  auto guard = locks_.Lock({RecommendationLock(id)});
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
  const v1::Recommendation read = *current;
  current->set_state(to);
  *current->mutable_update_time() = ToProto(absl::Now());
  current->set_etag(NewEtag());
  RecommendationWrite write;
  write.PutRecommendation(*current, /*new_version=*/false, /*created=*/false, read);
  if (absl::Status written = store_->Apply(write); !written.ok()) return written;
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
  const int size = PageSize(errors, request.page_size());
  if (!errors.empty()) return errors.ToStatus();
  const std::string& person = by_subject ? request.subject_id() : request.author_id();
  const std::string query = absl::StrCat("ListRecommendations\n", caller.person_id, "\n",
                                         by_subject ? "subject" : "author", "\n", person);
  auto cursor = page_tokens_.Decode(query, request.page_token());
  if (!cursor.ok()) return cursor.status();
  auto visible = [&](const v1::Recommendation& found) {
    return MayAlwaysSee(caller, found) || found.state() == v1::RECOMMENDATION_STATE_PUBLISHED;
  };
  auto page = by_subject ? store_->RecommendationsOfSubject(person, *cursor, size, visible)
                         : store_->RecommendationsByAuthor(person, *cursor, size, visible);
  if (!page.ok()) return page.status();
  v1::ListRecommendationsResponse response;
  for (auto& found : page->items) {
    *response.add_recommendations() = WithoutContact(std::move(found), caller);
  }
  response.set_next_page_token(page_tokens_.NextPageToken(query, page->next_cursor));
  return response;
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
  auto versions = store_->Versions(request.id());
  if (!versions.ok()) return versions.status();
  v1::ListRecommendationVersionsResponse response;
  for (auto& version : *versions) {
    // The latest version carries the current state; older ones keep the
    // state they had when superseded.
    if (version.version() == current->version()) version.set_state(current->state());
    *response.add_versions() = WithoutContact(std::move(version), caller);
  }
  return response;
}

}  // namespace trustsphere::recommendations
