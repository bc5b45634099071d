// Sessions: one per device's login. A session holds a refresh token that
// RefreshSession rotates; presenting a rotated one again ends the session
// (OAuth 2.0 security best current practice, refresh token rotation), since
// then two parties hold its tokens and one of them is not the person. An
// ended session is written to the change log, from which every server's
// verifier learns to refuse its access tokens.

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/auth/access_token.h"
#include "services/common/core/crypto.h"
#include "services/common/core/log.h"
#include "services/common/core/proto_time.h"
#include "services/common/core/text.h"
#include "services/common/core/validation.h"
#include "services/identity/identity_logic.h"
#include "services/identity/identity_validation.h"

namespace trustsphere::identity {
namespace {

// "<session id>.<secret>": the id finds the record, the secret proves the
// holder. 256 random bits of secret.
constexpr size_t kRefreshSecretBytes = 32;
constexpr size_t kMaxRefreshToken = 200;

struct RefreshToken {
  std::string session_id;
  std::string secret;
};

std::optional<RefreshToken> ParseRefreshToken(absl::string_view token) {
  std::vector<std::string> parts = absl::StrSplit(token, absl::MaxSplits('.', 1));
  if (parts.size() != 2 || parts[1].empty()) return std::nullopt;
  FieldErrors id_errors;
  CheckId(id_errors, "session", parts[0]);
  if (!id_errors.empty()) return std::nullopt;
  return RefreshToken{.session_id = std::move(parts[0]), .secret = std::move(parts[1])};
}

absl::Status RefreshRefused(absl::string_view why) {
  return absl::UnauthenticatedError(absl::StrCat("refresh token refused: ", why));
}

bool Expired(const internal::SessionRecord& session, absl::Time now) {
  return now >= FromProto(session.expire_time());
}

// Sets the times of a session used (opened or refreshed) at `now`: the
// refresh token's sliding and absolute bounds, and the access token's
// expiry, which never outlives the session, so that an expired session has
// no valid token left to refuse.
void MarkUsed(internal::SessionRecord& session, absl::Time now, const IdentityOptions& options) {
  const absl::Time expire = std::min(now + options.session_idle_ttl,
                                     FromProto(session.create_time()) + options.session_max_ttl);
  *session.mutable_last_used_time() = ToProto(now);
  *session.mutable_expire_time() = ToProto(expire);
  *session.mutable_tokens_valid_until() = ToProto(std::min(now + options.access_token_ttl, expire));
}

v1::Session Shown(const internal::SessionRecord& record, const Caller& caller) {
  v1::Session session;
  session.set_id(record.id());
  session.set_device_label(record.device_label());
  *session.mutable_create_time() = record.create_time();
  *session.mutable_last_used_time() = record.last_used_time();
  *session.mutable_expire_time() = record.expire_time();
  session.set_current(!caller.session_id.empty() && caller.session_id == record.id());
  return session;
}

}  // namespace

absl::StatusOr<std::vector<internal::SessionRecord>> IdentityLogic::AllSessionsOf(
    const std::string& person_id) {
  std::vector<internal::SessionRecord> sessions;
  std::string cursor;
  do {
    auto page = store_->SessionsOf(person_id, cursor, kMaxPageSize);
    if (!page.ok()) return page.status();
    for (auto& session : page->items) sessions.push_back(std::move(session));
    cursor = std::move(page->next_cursor);
  } while (!cursor.empty());
  return sessions;
}

int IdentityLogic::RevokeSessions(IdentityWrite& write,
                                  const std::vector<internal::SessionRecord>& sessions,
                                  const std::string& kept) {
  const absl::Time now = options_.now();
  int live = 0;
  for (const auto& session : sessions) {
    if (session.id() == kept) continue;
    if (Expired(session, now)) {
      // Its access tokens expired with it: nothing for the verifiers to
      // learn.
      write.DropSession(session);
      continue;
    }
    // The bound is the one issued, whatever the lifetime configured now.
    write.RevokeSession(session, std::max(now, FromProto(session.tokens_valid_until())));
    ++live;
  }
  return live;
}

v1::AuthenticateResponse IdentityLogic::Issue(const internal::SessionRecord& session,
                                              const std::string& secret) {
  TokenClaims claims{.subject = session.person_id(),
                     .roles = static_cast<uint32_t>(Role::kUser),
                     .session_id = session.id(),
                     .issued_at = FromProto(session.last_used_time()),
                     .expires_at = FromProto(session.tokens_valid_until())};
  v1::AuthenticateResponse response;
  response.set_access_token(SignAccessToken(claims, signing_key_));
  *response.mutable_expire_time() = ToProto(claims.expires_at);
  response.set_person_id(session.person_id());
  response.set_refresh_token(absl::StrCat(session.id(), ".", secret));
  *response.mutable_refresh_expire_time() = session.expire_time();
  response.set_session_id(session.id());
  return response;
}

absl::StatusOr<v1::AuthenticateResponse> IdentityLogic::OpenSession(
    const internal::PersonRecord& person, const std::string& device_label) {
  const std::string& person_id = person.person().id();
  const absl::Time now = options_.now();
  auto sessions = AllSessionsOf(person_id);
  if (!sessions.ok()) return sessions.status();
  IdentityWrite write;
  std::vector<internal::SessionRecord> live;
  for (auto& session : *sessions) {
    if (Expired(session, now)) {
      write.DropSession(std::move(session));
    } else {
      live.push_back(std::move(session));
    }
  }
  // The least recently used go first, leaving room for the new one.
  std::sort(live.begin(), live.end(), [](const auto& a, const auto& b) {
    return FromProto(a.last_used_time()) < FromProto(b.last_used_time());
  });
  const size_t kept = kMaxSessionsPerPerson - 1;
  const size_t excess = live.size() > kept ? live.size() - kept : 0;
  RevokeSessions(write, {live.begin(), live.begin() + excess}, "");

  const std::string secret = RandomToken(kRefreshSecretBytes);
  internal::SessionRecord session;
  session.set_id(NewId("ses_"));
  session.set_person_id(person_id);
  session.set_device_label(CollapseSpaces(device_label));
  *session.mutable_create_time() = ToProto(now);
  MarkUsed(session, now, options_);
  session.set_refresh_hash(Sha256(secret));
  write.PutSession(session);
  // Over PostgreSQL, a deletion or a password change by another replica
  // since the password was checked refuses this write (ABORTED).
  write.RequireUnchanged(person);
  if (absl::Status written = store_->Apply(write); !written.ok()) return written;
  return Issue(session, secret);
}

absl::StatusOr<v1::AuthenticateResponse> IdentityLogic::RefreshSession(
    const Caller&, const v1::RefreshSessionRequest& request) {
  FieldErrors errors;
  if (request.refresh_token().empty()) errors.Add("refresh_token", "required");
  if (request.refresh_token().size() > kMaxRefreshToken) {
    errors.Add("refresh_token", absl::StrCat("at most ", kMaxRefreshToken, " bytes"));
  }
  if (!errors.empty()) return errors.ToStatus();
  const std::optional<RefreshToken> token = ParseRefreshToken(request.refresh_token());
  if (!token) return RefreshRefused("malformed");

  auto found = store_->Session(token->session_id);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return RefreshRefused("unknown, ended or expired");
  // Every change to a person's sessions is made under the person's lock,
  // deletion included, and over PostgreSQL the write is refused when the
  // record changed since it was read: a rotation cannot bring back an
  // ended session.
  auto guard = locks_.Lock({"person:" + (*found)->person_id()});
  found = store_->Session(token->session_id);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return RefreshRefused("unknown, ended or expired");
  const internal::SessionRecord previous = std::move(**found);

  const absl::Time now = options_.now();
  const std::string hash = Sha256(token->secret);
  if (!SameBytes(hash, previous.refresh_hash())) {
    const bool rotated =
        std::any_of(previous.rotated_hashes().begin(), previous.rotated_hashes().end(),
                    [&](const std::string& old) { return SameBytes(hash, old); });
    if (!rotated) return RefreshRefused("unknown, ended or expired");
    IdentityWrite write;
    RevokeSessions(write, {previous}, "");
    if (absl::Status written = store_->Apply(write); !written.ok()) return written;
    Log(LogLevel::kWarning, "a rotated refresh token was used again; its session is ended",
        {F("person", previous.person_id()), F("session", previous.id())});
    return RefreshRefused("already used: the session is ended, log in again");
  }
  if (Expired(previous, now)) {
    IdentityWrite write;
    write.DropSession(previous);
    if (absl::Status written = store_->Apply(write); !written.ok()) return written;
    return RefreshRefused("unknown, ended or expired");
  }
  auto person = store_->Person(previous.person_id());
  if (!person.ok()) return person.status();
  if (!person->has_value() || (*person)->person().state() != v1::PERSON_STATE_ACTIVE) {
    return RefreshRefused("unknown, ended or expired");
  }

  internal::SessionRecord session = previous;
  session.clear_rotated_hashes();
  session.add_rotated_hashes(previous.refresh_hash());
  for (int i = 0; i < previous.rotated_hashes_size() && i + 1 < kMaxRotatedRefreshTokens; ++i) {
    session.add_rotated_hashes(previous.rotated_hashes(i));
  }
  const std::string secret = RandomToken(kRefreshSecretBytes);
  session.set_refresh_hash(Sha256(secret));
  MarkUsed(session, now, options_);
  IdentityWrite write;
  write.PutSession(session, previous);
  if (absl::Status written = store_->Apply(write); !written.ok()) return written;
  return Issue(session, secret);
}

absl::StatusOr<v1::ListSessionsResponse> IdentityLogic::ListSessions(
    const Caller& caller, const v1::ListSessionsRequest& request) {
  if (absl::Status allowed = CheckMayEdit(caller, "person_id", request.person_id());
      !allowed.ok()) {
    return allowed;
  }
  FieldErrors errors;
  const int page_size = PageSize(errors, request.page_size());
  if (!errors.empty()) return errors.ToStatus();
  const std::string query =
      absl::StrCat("ListSessions\n", caller.person_id, "\n", request.person_id());
  auto cursor = page_tokens_.Decode(query, request.page_token());
  if (!cursor.ok()) return cursor.status();
  if (auto person = LiveOwnedPerson(caller, request.person_id()); !person.ok()) {
    return person.status();
  }

  auto page = store_->SessionsOf(request.person_id(), *cursor, page_size);
  if (!page.ok()) return page.status();
  // Expired sessions wait for the person's next login to be removed; they
  // are not shown (a page may then be short).
  const absl::Time now = options_.now();
  v1::ListSessionsResponse response;
  for (const auto& session : page->items) {
    if (!Expired(session, now)) *response.add_sessions() = Shown(session, caller);
  }
  response.set_next_page_token(page_tokens_.NextPageToken(query, page->next_cursor));
  return response;
}

absl::StatusOr<google::protobuf::Empty> IdentityLogic::RevokeSession(
    const Caller& caller, const v1::RevokeSessionRequest& request) {
  if (absl::Status allowed = CheckMayEdit(caller, "person_id", request.person_id());
      !allowed.ok()) {
    return allowed;
  }
  FieldErrors errors;
  CheckId(errors, "session_id", request.session_id());
  if (!errors.empty()) return errors.ToStatus();

  auto guard = locks_.Lock({"person:" + request.person_id()});
  if (auto person = LiveOwnedPerson(caller, request.person_id()); !person.ok()) {
    return person.status();
  }
  auto session = store_->Session(request.session_id());
  if (!session.ok()) return session.status();
  // Another person's session is not named to this caller.
  if (!session->has_value() || (*session)->person_id() != request.person_id() ||
      Expired(**session, options_.now())) {
    return absl::NotFoundError("no such session");
  }
  IdentityWrite write;
  RevokeSessions(write, {**session}, "");
  if (absl::Status written = store_->Apply(write); !written.ok()) return written;
  return google::protobuf::Empty();
}

absl::StatusOr<v1::RevokeAllSessionsResponse> IdentityLogic::RevokeAllSessions(
    const Caller& caller, const v1::RevokeAllSessionsRequest& request) {
  if (absl::Status allowed = CheckMayEdit(caller, "person_id", request.person_id());
      !allowed.ok()) {
    return allowed;
  }
  auto guard = locks_.Lock({"person:" + request.person_id()});
  if (auto person = LiveOwnedPerson(caller, request.person_id()); !person.ok()) {
    return person.status();
  }
  auto sessions = AllSessionsOf(request.person_id());
  if (!sessions.ok()) return sessions.status();
  IdentityWrite write;
  v1::RevokeAllSessionsResponse response;
  response.set_revoked_sessions(
      RevokeSessions(write, *sessions, request.keep_current() ? caller.session_id : ""));
  if (absl::Status written = store_->Apply(write); !written.ok()) return written;
  return response;
}

absl::StatusOr<v1::ChangePasswordResponse> IdentityLogic::ChangePassword(
    const Caller& caller, const v1::ChangePasswordRequest& request) {
  FieldErrors errors;
  CheckId(errors, "person_id", request.person_id());
  if (!errors.empty()) return errors.ToStatus();
  // Not even an operator: the old password proves the person is here.
  if (caller.person_id != request.person_id() || !caller.Has(Role::kUser)) {
    return absl::PermissionDeniedError("only the person changes their password");
  }
  if (request.old_password().empty()) errors.Add("old_password", "required");
  if (request.old_password().size() > kMaxPassword) errors.Add("old_password", "too long");
  CheckPassword(errors, "new_password", request.new_password());
  if (!errors.empty()) return errors.ToStatus();

  auto guard = locks_.Lock({"person:" + request.person_id()});
  auto record = LiveOwnedPerson(caller, request.person_id());
  if (!record.ok()) return record.status();
  // A stolen access token does not buy unthrottled guesses at the password.
  const std::string& email = record->normalized_email();
  const absl::Time now = absl::Now();
  if (absl::Status allowed = throttle_->Check(email, now); !allowed.ok()) return allowed;
  if (!hasher_.Verify(record->password_hash(), request.old_password())) {
    throttle_->RecordFailure(email, now);
    return absl::UnauthenticatedError("wrong password");
  }
  throttle_->RecordSuccess(email);
  std::string hash = hasher_.Hash(request.new_password());
  if (hash.empty()) return absl::ResourceExhaustedError("cannot hash the password now; retry");

  auto sessions = AllSessionsOf(request.person_id());
  if (!sessions.ok()) return sessions.status();
  const internal::PersonRecord previous = *record;
  record->set_password_hash(std::move(hash));
  IdentityWrite write;
  write.PutPerson(*record, previous);
  v1::ChangePasswordResponse response;
  response.set_revoked_sessions(RevokeSessions(write, *sessions, caller.session_id));
  if (absl::Status written = store_->Apply(write); !written.ok()) return written;
  return response;
}

absl::StatusOr<int> IdentityLogic::DropExpiredSessions() {
  constexpr int kBatch = 500;
  int dropped = 0;
  while (true) {
    const absl::Time now = options_.now();
    auto expired = store_->ExpiredSessions(now, kBatch);
    if (!expired.ok()) return expired.status();
    std::vector<std::string> lock_keys;
    for (const auto& session : *expired) lock_keys.push_back("person:" + session.person_id());
    auto guard = locks_.Lock(lock_keys);
    IdentityWrite write;
    int batch = 0;
    for (const auto& listed : *expired) {
      // Read again under the lock: gone or ended since, nothing to do.
      auto session = store_->Session(listed.id());
      if (!session.ok()) return session.status();
      if (!session->has_value() || !Expired(**session, now)) continue;
      write.DropSession(std::move(**session));
      ++batch;
    }
    if (absl::Status applied = store_->Apply(write); !applied.ok()) return applied;
    dropped += batch;
    if (static_cast<int>(expired->size()) < kBatch || batch == 0) return dropped;
  }
}

}  // namespace trustsphere::identity
