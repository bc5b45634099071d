// Requests of RecommendationLogic: a subject asks an author, the author
// sees, declines or blocks. An author cannot be spammed: one open request per
// subject at a time, a daily bound per subject, and requesters the author
// blocked are refused.

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/core/crypto.h"
#include "services/common/core/proto_time.h"
#include "services/common/core/validation.h"
#include "services/recommendations/recommendation_content.h"
#include "services/recommendations/recommendation_logic.h"

namespace trustsphere::recommendations {
namespace {

// NOT_FOUND unless `id` is a person identity knows and has not deleted;
// UNAVAILABLE when identity cannot say.
absl::Status MustBeLive(IdentityDirectory& identity, const std::string& id, const char* who,
                        absl::Time deadline) {
  auto person = identity.GetPerson(id, deadline);
  if (absl::IsNotFound(person.status()) ||
      (person.ok() && person->state() != identity::v1::PERSON_STATE_ACTIVE)) {
    return absl::NotFoundError(absl::StrCat(who, " does not exist or was deleted"));
  }
  return person.status();
}

absl::Status NoSuchRequest() { return absl::NotFoundError("no such request"); }

}  // namespace

std::string RequestsLock(const std::string& subject) { return "requests-of:" + subject; }

std::string BlocksLock(const std::string& author) { return "blocks-of:" + author; }

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

  if (absl::Status live =
          MustBeLive(*identity_, request.author_id(), "the author", caller.deadline);
      !live.ok()) {
    return live;
  }

  const std::string& subject = caller.person_id;
  auto pass = erasures_.Enter({subject, request.author_id()});
  if (!pass.ok()) return pass.status();
  auto guard = locks_.Lock({RequestsLock(subject)});
  auto blocked = store_->Blocked(request.author_id(), subject);
  if (!blocked.ok()) return blocked.status();
  if (blocked->has_value()) {
    return absl::PermissionDeniedError("this person takes no requests from you");
  }
  auto open = store_->OpenRequest(subject, request.author_id());
  if (!open.ok()) return open.status();
  if (open->has_value()) {
    return absl::AlreadyExistsError(
        absl::StrCat("your request ", (*open)->id(), " to this person is still open"));
  }
  const absl::Time now = absl::Now();
  auto sent_today = store_->CountRequestsSince(subject, now - absl::Hours(24), kMaxRequestsPerDay);
  if (!sent_today.ok()) return sent_today.status();
  if (*sent_today >= kMaxRequestsPerDay) {
    return absl::ResourceExhaustedError(
        absl::StrCat("at most ", kMaxRequestsPerDay, " requests in 24 hours; try again later"));
  }

  created.set_id(NewId("req_"));
  created.set_subject_id(subject);
  created.set_author_id(request.author_id());
  created.set_message(request.message());
  created.set_state(v1::REQUEST_STATE_OPEN);
  *created.mutable_create_time() = ToProto(now);
  RecommendationWrite write;
  write.PutRequest(created, /*created=*/true);
  if (absl::Status written = store_->Apply(write); !written.ok()) return written;
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
  auto cursor = page_tokens_.Decode(query, request.page_token());
  if (!cursor.ok()) return cursor.status();
  auto page = request.sent() ? store_->RequestsFromSubject(request.person_id(), *cursor, size)
                             : store_->RequestsToAuthor(request.person_id(), *cursor, size);
  if (!page.ok()) return page.status();
  v1::ListRequestsResponse response;
  for (auto& found : page->items) *response.add_requests() = std::move(found);
  response.set_next_page_token(page_tokens_.NextPageToken(query, page->next_cursor));
  return response;
}

absl::StatusOr<v1::RecommendationRequest> RecommendationLogic::DeclineRequest(
    const Caller& caller, const v1::DeclineRequestRequest& request) {
  FieldErrors errors;
  CheckId(errors, "id", request.id());
  if (!errors.empty()) return errors.ToStatus();
  // A request's subject never changes: read it, then hold the subject's
  // requests and read again.
  auto first_read = store_->Request(request.id());
  if (!first_read.ok()) return first_read.status();
  if (!first_read->has_value()) return NoSuchRequest();
  auto guard = locks_.Lock({RequestsLock((*first_read)->subject_id())});
  auto found = store_->Request(request.id());
  if (!found.ok()) return found.status();
  // Requests are private to their two people: others learn nothing.
  if (!found->has_value() ||
      (!caller.MayActFor((*found)->author_id()) && caller.person_id != (*found)->subject_id())) {
    return NoSuchRequest();
  }
  v1::RecommendationRequest& declined = **found;
  if (caller.person_id != declined.author_id()) {
    return absl::PermissionDeniedError("only the author declines a request");
  }
  if (declined.state() != v1::REQUEST_STATE_OPEN) {
    return absl::FailedPreconditionError("the request is no longer open");
  }
  const v1::RecommendationRequest read = declined;
  declined.set_state(v1::REQUEST_STATE_DECLINED);
  RecommendationWrite write;
  write.PutRequest(declined, /*created=*/false, read);
  if (absl::Status written = store_->Apply(write); !written.ok()) return written;
  return declined;
}

absl::StatusOr<v1::BlockedRequester> RecommendationLogic::BlockRequester(
    const Caller& caller, const v1::BlockRequesterRequest& request) {
  if (!caller.Has(Role::kUser)) return absl::PermissionDeniedError("only a person blocks");
  FieldErrors errors;
  CheckId(errors, "person_id", request.person_id());
  if (request.person_id() == caller.person_id) errors.Add("person_id", "cannot block oneself");
  if (!errors.empty()) return errors.ToStatus();

  // No block of a deleted person is made (their erasure removed the ones
  // made before).
  if (absl::Status live =
          MustBeLive(*identity_, request.person_id(), "the person", caller.deadline);
      !live.ok()) {
    return live;
  }

  const std::string& author = caller.person_id;
  const std::string& requester = request.person_id();
  auto pass = erasures_.Enter({author, requester});
  if (!pass.ok()) return pass.status();
  auto guard = locks_.Lock({RequestsLock(requester), BlocksLock(author)});
  auto already = store_->Blocked(author, requester);
  if (!already.ok()) return already.status();
  if (already->has_value()) return **already;  // done before: retries are harmless
  auto count = store_->CountBlocked(author, kMaxBlocked);
  if (!count.ok()) return count.status();
  if (*count >= kMaxBlocked) {
    return absl::ResourceExhaustedError(
        absl::StrCat("at most ", kMaxBlocked, " people blocked; unblock one first"));
  }
  // What they asked and still waits is declined with the block.
  auto open = store_->OpenRequest(requester, author);
  if (!open.ok()) return open.status();

  v1::BlockedRequester blocked;
  blocked.set_person_id(requester);
  *blocked.mutable_create_time() = ToProto(absl::Now());
  RecommendationWrite write;
  write.BlockRequester(author, blocked);
  if (open->has_value()) {
    const v1::RecommendationRequest read = **open;
    (*open)->set_state(v1::REQUEST_STATE_DECLINED);
    write.PutRequest(**open, /*created=*/false, read);
  }
  if (absl::Status written = store_->Apply(write); !written.ok()) return written;
  return blocked;
}

absl::StatusOr<v1::UnblockRequesterResponse> RecommendationLogic::UnblockRequester(
    const Caller& caller, const v1::UnblockRequesterRequest& request) {
  if (!caller.Has(Role::kUser)) return absl::PermissionDeniedError("only a person unblocks");
  FieldErrors errors;
  CheckId(errors, "person_id", request.person_id());
  if (!errors.empty()) return errors.ToStatus();
  auto guard = locks_.Lock({RequestsLock(request.person_id()), BlocksLock(caller.person_id)});
  RecommendationWrite write;
  write.UnblockRequester(caller.person_id, request.person_id());
  if (absl::Status written = store_->Apply(write); !written.ok()) return written;
  return v1::UnblockRequesterResponse();
}

absl::StatusOr<v1::ListBlockedRequestersResponse> RecommendationLogic::ListBlockedRequesters(
    const Caller& caller, const v1::ListBlockedRequestersRequest& request) {
  if (!caller.Has(Role::kUser)) return absl::PermissionDeniedError("a person's own list");
  FieldErrors errors;
  const int size = PageSize(errors, request.page_size());
  if (!errors.empty()) return errors.ToStatus();
  const std::string query = absl::StrCat("ListBlockedRequesters\n", caller.person_id);
  auto cursor = page_tokens_.Decode(query, request.page_token());
  if (!cursor.ok()) return cursor.status();
  auto page = store_->BlockedRequesters(caller.person_id, *cursor, size);
  if (!page.ok()) return page.status();
  v1::ListBlockedRequestersResponse response;
  for (auto& blocked : page->items) *response.add_requesters() = std::move(blocked);
  response.set_next_page_token(page_tokens_.NextPageToken(query, page->next_cursor));
  return response;
}

}  // namespace trustsphere::recommendations
