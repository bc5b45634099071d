// ListIdentityChanges: the change log, read by the services that follow
// identity (relationships forgets deleted people through it).

#include "absl/strings/str_cat.h"
#include "services/common/core/change_cursor.h"
#include "services/common/core/validation.h"
#include "services/identity/identity_logic.h"

namespace trustsphere::identity {
namespace {

constexpr int kDefaultChangesPage = 500;
constexpr int kMaxChangesPage = 1000;

v1::IdentityChangeKind KindOf(internal::Change::Kind kind) {
  switch (kind) {
    case internal::Change::KIND_PERSON_CREATED:
      return v1::IDENTITY_CHANGE_KIND_PERSON_CREATED;
    case internal::Change::KIND_PERSON_UPDATED:
      return v1::IDENTITY_CHANGE_KIND_PERSON_UPDATED;
    case internal::Change::KIND_PERSON_DELETED:
      return v1::IDENTITY_CHANGE_KIND_PERSON_DELETED;
    case internal::Change::KIND_POSITION_ADDED:
      return v1::IDENTITY_CHANGE_KIND_POSITION_ADDED;
    case internal::Change::KIND_POSITION_UPDATED:
      return v1::IDENTITY_CHANGE_KIND_POSITION_UPDATED;
    case internal::Change::KIND_POSITION_REMOVED:
      return v1::IDENTITY_CHANGE_KIND_POSITION_REMOVED;
    case internal::Change::KIND_SESSION_REVOKED:
      return v1::IDENTITY_CHANGE_KIND_SESSION_REVOKED;
    default:
      return v1::IDENTITY_CHANGE_KIND_UNSPECIFIED;
  }
}

}  // namespace

absl::StatusOr<v1::ListIdentityChangesResponse> IdentityLogic::ListIdentityChanges(
    const Caller& caller, const v1::ListIdentityChangesRequest& request) {
  if (!caller.IsPrivileged()) {
    return absl::PermissionDeniedError("only services and operators read identity's changes");
  }
  FieldErrors errors;
  uint64_t after = 0;
  if (!ParseChangeCursor(request.after_cursor(), &after)) {
    errors.Add("after_cursor", "not a cursor of this log");
  }
  if (request.page_size() < 0 || request.page_size() > kMaxChangesPage) {
    errors.Add("page_size", absl::StrCat("0 to ", kMaxChangesPage));
  }
  if (!errors.empty()) return errors.ToStatus();

  auto entries =
      store_->Changes(after, request.page_size() == 0 ? kDefaultChangesPage : request.page_size());
  if (!entries.ok()) return entries.status();
  v1::ListIdentityChangesResponse response;
  for (const auto& entry : *entries) {
    v1::IdentityChange& change = *response.add_changes();
    change.set_cursor(absl::StrCat(entry.sequence));
    change.set_kind(KindOf(entry.change.kind()));
    change.set_person_id(entry.change.person_id());
    change.set_position_id(entry.change.position_id());
    *change.mutable_commit_time() = entry.change.time();
    change.set_session_id(entry.change.session_id());
    if (entry.change.has_revoked_until()) {
      *change.mutable_revoked_until() = entry.change.revoked_until();
    }
  }
  response.set_next_cursor(entries->empty() ? request.after_cursor()
                                            : response.changes().rbegin()->cursor());
  return response;
}

}  // namespace trustsphere::identity
