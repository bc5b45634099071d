// Sessions called on IdentityLogic over a real database, with a clock the
// tests move: rotation, reuse of a rotated token, idle and absolute expiry,
// the per-person bound, password changes, and a restart.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/auth/access_token.h"
#include "services/common/core/proto_time.h"
#include "services/identity/identity_logic.h"
#include "services/identity/rocksdb_identity_store.h"
#include "tests/support/temp_dir.h"

namespace trustsphere::identity {
namespace {

using ::testing::ElementsAre;

class IdentitySessionsTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  // (Re)opens the logic over the same folder, as a restart does.
  void Open() {
    logic_.reset();
    auto store = RocksDbIdentityStore::Open(dir_.Sub("db"), /*sync_writes=*/false);
    ASSERT_TRUE(store.ok()) << store.status();
    auto key = LoadOrCreateSigningKey(dir_.Sub("key.json"));
    ASSERT_TRUE(key.ok());
    keys_ = {{key->key_id, key->public_key}};
    auto page_tokens = PageTokenCodecFor(**store);
    ASSERT_TRUE(page_tokens.ok());
    IdentityOptions options;
    options.password_cost = {.passes = 1, .memory_bytes = 8192 * 1024, .max_concurrent = 2};
    options.session_idle_ttl = absl::Hours(24);
    options.session_max_ttl = absl::Hours(72);
    options.now = [this] { return absl::FromUnixSeconds(now_seconds_.load()); };
    logic_ =
        std::make_unique<IdentityLogic>(std::move(*store), *key, std::move(*page_tokens), options);
  }

  void Advance(absl::Duration by) { now_seconds_ += absl::ToInt64Seconds(by); }

  v1::Person Create(const std::string& email) {
    v1::CreatePersonRequest request;
    request.mutable_person()->set_display_name("Someone");
    request.mutable_person()->set_email(email);
    request.set_password(kPassword);
    auto person = logic_->CreatePerson(Caller(), request);
    EXPECT_TRUE(person.ok()) << person.status();
    return person.value_or(v1::Person());
  }

  absl::StatusOr<v1::AuthenticateResponse> LogIn(const std::string& email,
                                                 const std::string& device = "Pixel 8",
                                                 const std::string& password = kPassword) {
    v1::AuthenticateRequest request;
    request.set_email(email);
    request.set_password(password);
    request.set_device_label(device);
    return logic_->Authenticate(Caller(), request);
  }

  absl::StatusOr<v1::AuthenticateResponse> Refresh(const std::string& refresh_token) {
    v1::RefreshSessionRequest request;
    request.set_refresh_token(refresh_token);
    return logic_->RefreshSession(Caller(), request);
  }

  // The caller an access token of `session` stands for.
  Caller CallerOf(const v1::AuthenticateResponse& session) {
    auto claims =
        VerifyAccessToken(session.access_token(), keys_, absl::FromUnixSeconds(now_seconds_));
    EXPECT_TRUE(claims.ok()) << claims.status();
    if (!claims.ok()) return Caller();
    return Caller{
        .person_id = claims->subject, .roles = claims->roles, .session_id = claims->session_id};
  }

  std::vector<std::string> SessionIds(const Caller& caller, const std::string& person_id) {
    v1::ListSessionsRequest request;
    request.set_person_id(person_id);
    request.set_page_size(100);
    auto listed = logic_->ListSessions(caller, request);
    EXPECT_TRUE(listed.ok()) << listed.status();
    std::vector<std::string> ids;
    if (!listed.ok()) return ids;
    for (const auto& session : listed->sessions()) ids.push_back(session.id());
    return ids;
  }

  // The session ids the change log says were ended, in order; with
  // `until`, when the verifiers may forget each.
  std::vector<std::string> RevokedInLog(std::map<std::string, absl::Time>* until = nullptr) {
    const Caller service{.person_id = "relationships",
                         .roles = static_cast<uint32_t>(Role::kService)};
    auto page = logic_->ListIdentityChanges(service, v1::ListIdentityChangesRequest());
    EXPECT_TRUE(page.ok()) << page.status();
    std::vector<std::string> ids;
    if (!page.ok()) return ids;
    for (const auto& change : page->changes()) {
      if (change.kind() != v1::IDENTITY_CHANGE_KIND_SESSION_REVOKED) continue;
      ids.push_back(change.session_id());
      if (until != nullptr) (*until)[change.session_id()] = FromProto(change.revoked_until());
    }
    return ids;
  }

  static constexpr char kPassword[] = "long enough";
  testing::TempDir dir_;
  std::atomic<int64_t> now_seconds_ = absl::ToUnixSeconds(absl::Now());
  PublicKeySet keys_;
  std::unique_ptr<IdentityLogic> logic_;
};

TEST_F(IdentitySessionsTest, ARefreshRotatesTheTokenAndTheOldOneStopsWorking) {
  const v1::Person ada = Create("ada@example.fr");
  auto login = LogIn("ada@example.fr");
  ASSERT_TRUE(login.ok()) << login.status();
  EXPECT_EQ(login->person_id(), ada.id());
  EXPECT_FALSE(login->refresh_token().empty());
  EXPECT_EQ(CallerOf(*login).session_id, login->session_id());
  EXPECT_EQ(FromProto(login->refresh_expire_time()),
            absl::FromUnixSeconds(now_seconds_) + absl::Hours(24));

  Advance(absl::Minutes(20));
  auto next = Refresh(login->refresh_token());
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->session_id(), login->session_id());
  EXPECT_NE(next->refresh_token(), login->refresh_token());
  EXPECT_EQ(CallerOf(*next).person_id, ada.id());
  // The sliding bound moved with the use.
  EXPECT_EQ(FromProto(next->refresh_expire_time()),
            absl::FromUnixSeconds(now_seconds_) + absl::Hours(24));

  // The newest token goes on working; forged or truncated ones do not.
  auto third = Refresh(next->refresh_token());
  ASSERT_TRUE(third.ok()) << third.status();
  for (const std::string& bad :
       {third->refresh_token().substr(0, third->refresh_token().size() - 1),
        login->session_id() + ".guess", std::string("no-dot"), std::string(".x")}) {
    EXPECT_TRUE(absl::IsUnauthenticated(Refresh(bad).status())) << bad;
  }
  EXPECT_TRUE(Refresh(third->refresh_token()).ok());
}

TEST_F(IdentitySessionsTest, AReusedRotatedTokenEndsTheWholeSession) {
  Create("ada@example.fr");
  auto login = LogIn("ada@example.fr");
  ASSERT_TRUE(login.ok());
  auto other_device = LogIn("ada@example.fr", "Laptop");
  ASSERT_TRUE(other_device.ok());
  auto stolen = login->refresh_token();
  auto rotated = Refresh(stolen);
  ASSERT_TRUE(rotated.ok());

  // The thief (or the person, whichever is second) presents the old token.
  auto reuse = Refresh(stolen);
  EXPECT_TRUE(absl::IsUnauthenticated(reuse.status())) << reuse.status();
  EXPECT_THAT(std::string(reuse.status().message()), ::testing::HasSubstr("already used"));
  // Both holders are out: the newest token of the family is refused too.
  EXPECT_TRUE(absl::IsUnauthenticated(Refresh(rotated->refresh_token()).status()));
  EXPECT_THAT(RevokedInLog(), ElementsAre(login->session_id()));
  // The other device's session is not of that family.
  EXPECT_TRUE(Refresh(other_device->refresh_token()).ok());
}

TEST_F(IdentitySessionsTest, ASessionExpiresWhenIdleAndAtItsAbsoluteLimit) {
  Create("ada@example.fr");
  auto idle = LogIn("ada@example.fr", "Tablet");
  auto busy = LogIn("ada@example.fr", "Phone");
  ASSERT_TRUE(idle.ok() && busy.ok());
  std::string busy_token = busy->refresh_token();
  // Used every 20 hours, the phone's session lives to its absolute limit of
  // 72 hours; the tablet's, unused, stops after 24.
  for (int hours = 20; hours < 72; hours += 20) {
    Advance(absl::Hours(20));
    auto refreshed = Refresh(busy_token);
    ASSERT_TRUE(refreshed.ok()) << hours << "h: " << refreshed.status();
    busy_token = refreshed->refresh_token();
    if (hours + 20 >= 72) {
      EXPECT_EQ(FromProto(refreshed->refresh_expire_time()),
                FromProto(busy->refresh_expire_time()) - absl::Hours(24) + absl::Hours(72));
    }
  }
  EXPECT_TRUE(absl::IsUnauthenticated(Refresh(idle->refresh_token()).status()));
  // Ten minutes before the absolute limit, the access token stops with the
  // session, so that an expired session leaves no valid token behind.
  Advance(absl::Hours(11) + absl::Minutes(50));
  auto last = Refresh(busy_token);
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(FromProto(last->expire_time()), FromProto(last->refresh_expire_time()));
  Advance(absl::Hours(1) + absl::Minutes(10));  // 73 hours after the login
  EXPECT_TRUE(absl::IsUnauthenticated(Refresh(last->refresh_token()).status()));
  const Caller operator_{.person_id = "ops", .roles = static_cast<uint32_t>(Role::kOperator)};
  EXPECT_TRUE(SessionIds(operator_, busy->person_id()).empty());
  // Expiry needs no revocation: every access token has expired with it.
  EXPECT_TRUE(RevokedInLog().empty());
}

TEST_F(IdentitySessionsTest, TheSweepRemovesExpiredSessionsOfPeopleWhoNeverCameBack) {
  const v1::Person ada = Create("ada@example.fr");
  auto gone = LogIn("ada@example.fr", "Old phone");
  Advance(absl::Hours(20));
  auto kept = LogIn("ada@example.fr", "New phone");
  ASSERT_TRUE(gone.ok() && kept.ok());
  EXPECT_EQ(*logic_->DropExpiredSessions(), 0);
  Advance(absl::Hours(5));  // the first is 25 hours idle, the second 5
  EXPECT_EQ(*logic_->DropExpiredSessions(), 1);
  EXPECT_FALSE(logic_->store().Session(gone->session_id())->has_value());
  EXPECT_TRUE(logic_->store().Session(kept->session_id())->has_value());
  EXPECT_EQ(logic_->store().SessionsOf(ada.id(), "", 10)->items.size(), 1u);
  // Expiry is no revocation: its tokens expired with it.
  EXPECT_TRUE(RevokedInLog().empty());
}

TEST_F(IdentitySessionsTest, SessionsSurviveARestart) {
  Create("ada@example.fr");
  auto login = LogIn("ada@example.fr");
  ASSERT_TRUE(login.ok());
  Open();
  auto refreshed = Refresh(login->refresh_token());
  ASSERT_TRUE(refreshed.ok()) << refreshed.status();
  EXPECT_EQ(refreshed->session_id(), login->session_id());
}

TEST_F(IdentitySessionsTest, ListingShowsTheCallersDevicesAndOnlyToThemOrAnOperator) {
  const v1::Person ada = Create("ada@example.fr");
  const v1::Person bob = Create("bob@example.fr");
  auto phone = LogIn("ada@example.fr", "  Pixel   8 ");
  Advance(absl::Seconds(1));
  auto laptop = LogIn("ada@example.fr", "Laptop");
  ASSERT_TRUE(phone.ok() && laptop.ok());
  const Caller as_phone = CallerOf(*phone);

  v1::ListSessionsRequest request;
  request.set_person_id(ada.id());
  auto listed = logic_->ListSessions(as_phone, request);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->sessions_size(), 2);
  EXPECT_EQ(listed->sessions(0).id(), laptop->session_id());
  EXPECT_FALSE(listed->sessions(0).current());
  EXPECT_EQ(listed->sessions(1).device_label(), "Pixel 8");
  EXPECT_TRUE(listed->sessions(1).current());

  // One per page, resumed by token.
  request.set_page_size(1);
  auto first = logic_->ListSessions(as_phone, request);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->sessions_size(), 1);
  request.set_page_token(first->next_page_token());
  auto second = logic_->ListSessions(as_phone, request);
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(second->sessions_size(), 1);
  EXPECT_EQ(second->sessions(0).id(), phone->session_id());

  auto as_bob = LogIn("bob@example.fr");
  ASSERT_TRUE(as_bob.ok());
  request.clear_page_token();
  EXPECT_TRUE(absl::IsPermissionDenied(logic_->ListSessions(CallerOf(*as_bob), request).status()));
  v1::RevokeSessionRequest revoke;
  revoke.set_person_id(ada.id());
  revoke.set_session_id(phone->session_id());
  EXPECT_TRUE(absl::IsPermissionDenied(logic_->RevokeSession(CallerOf(*as_bob), revoke).status()));
  // Naming another person's session as one's own finds nothing.
  revoke.set_person_id(bob.id());
  EXPECT_TRUE(absl::IsNotFound(logic_->RevokeSession(CallerOf(*as_bob), revoke).status()));
  EXPECT_TRUE(Refresh(phone->refresh_token()).ok());
}

TEST_F(IdentitySessionsTest, RevokingLogsOneDeviceOutOrAllOfThem) {
  const v1::Person ada = Create("ada@example.fr");
  auto phone = LogIn("ada@example.fr", "Phone");
  auto laptop = LogIn("ada@example.fr", "Laptop");
  auto tablet = LogIn("ada@example.fr", "Tablet");
  ASSERT_TRUE(phone.ok() && laptop.ok() && tablet.ok());

  v1::RevokeSessionRequest revoke;
  revoke.set_person_id(ada.id());
  revoke.set_session_id(laptop->session_id());
  ASSERT_TRUE(logic_->RevokeSession(CallerOf(*phone), revoke).ok());
  EXPECT_TRUE(absl::IsUnauthenticated(Refresh(laptop->refresh_token()).status()));
  EXPECT_TRUE(absl::IsNotFound(logic_->RevokeSession(CallerOf(*phone), revoke).status()));

  v1::RevokeAllSessionsRequest all;
  all.set_person_id(ada.id());
  all.set_keep_current(true);
  auto ended = logic_->RevokeAllSessions(CallerOf(*phone), all);
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_EQ(ended->revoked_sessions(), 1);
  EXPECT_TRUE(absl::IsUnauthenticated(Refresh(tablet->refresh_token()).status()));
  auto still = Refresh(phone->refresh_token());
  ASSERT_TRUE(still.ok()) << still.status();

  all.set_keep_current(false);
  ended = logic_->RevokeAllSessions(CallerOf(*still), all);
  ASSERT_TRUE(ended.ok());
  EXPECT_EQ(ended->revoked_sessions(), 1);
  EXPECT_TRUE(absl::IsUnauthenticated(Refresh(still->refresh_token()).status()));
  std::map<std::string, absl::Time> until;
  EXPECT_THAT(RevokedInLog(&until),
              ElementsAre(laptop->session_id(), tablet->session_id(), phone->session_id()));
  // Each is refused until its last access token expires, not a moment less.
  EXPECT_EQ(until[laptop->session_id()], FromProto(laptop->expire_time()));
  EXPECT_EQ(until[phone->session_id()], FromProto(still->expire_time()));
}

TEST_F(IdentitySessionsTest, ChangingThePasswordNeedsTheOldOneAndEndsTheOtherSessions) {
  const v1::Person ada = Create("ada@example.fr");
  auto phone = LogIn("ada@example.fr", "Phone");
  auto laptop = LogIn("ada@example.fr", "Laptop");
  ASSERT_TRUE(phone.ok() && laptop.ok());

  v1::ChangePasswordRequest change;
  change.set_person_id(ada.id());
  change.set_old_password("not the password");
  change.set_new_password("a brand new secret");
  EXPECT_TRUE(absl::IsUnauthenticated(logic_->ChangePassword(CallerOf(*phone), change).status()));
  const Caller operator_{.person_id = "ops", .roles = static_cast<uint32_t>(Role::kOperator)};
  change.set_old_password(kPassword);
  EXPECT_TRUE(absl::IsPermissionDenied(logic_->ChangePassword(operator_, change).status()));
  change.set_new_password("short");
  EXPECT_TRUE(absl::IsInvalidArgument(logic_->ChangePassword(CallerOf(*phone), change).status()));
  change.set_new_password("a brand new secret");

  auto changed = logic_->ChangePassword(CallerOf(*phone), change);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_EQ(changed->revoked_sessions(), 1);
  EXPECT_TRUE(absl::IsUnauthenticated(LogIn("ada@example.fr").status()));
  EXPECT_TRUE(LogIn("ada@example.fr", "Phone", "a brand new secret").ok());
  EXPECT_TRUE(Refresh(phone->refresh_token()).ok());
  EXPECT_THAT(RevokedInLog(), ElementsAre(laptop->session_id()));
}

TEST_F(IdentitySessionsTest, ALoginBeyondTheBoundEndsTheLeastRecentlyUsedSession) {
  Create("ada@example.fr");
  std::vector<v1::AuthenticateResponse> logins;
  for (int i = 0; i < IdentityLogic::kMaxSessionsPerPerson; ++i) {
    auto login = LogIn("ada@example.fr", absl::StrCat("Device ", i));
    ASSERT_TRUE(login.ok()) << login.status();
    logins.push_back(*login);
    Advance(absl::Seconds(1));
  }
  // The first device is used again: the second is now the least recent.
  auto used = Refresh(logins[0].refresh_token());
  ASSERT_TRUE(used.ok());
  auto one_more = LogIn("ada@example.fr", "One more");
  ASSERT_TRUE(one_more.ok());
  const Caller as_newest = CallerOf(*one_more);
  EXPECT_EQ(SessionIds(as_newest, one_more->person_id()).size(),
            static_cast<size_t>(IdentityLogic::kMaxSessionsPerPerson));
  EXPECT_TRUE(absl::IsUnauthenticated(Refresh(logins[1].refresh_token()).status()));
  EXPECT_TRUE(Refresh(used->refresh_token()).ok());
  EXPECT_THAT(RevokedInLog(), ElementsAre(logins[1].session_id()));
}

TEST_F(IdentitySessionsTest, ADeletedPersonsSessionsGoWithThem) {
  const v1::Person ada = Create("ada@example.fr");
  auto login = LogIn("ada@example.fr");
  ASSERT_TRUE(login.ok());
  v1::DeletePersonRequest erase;
  erase.set_id(ada.id());
  erase.set_etag(ada.etag());
  ASSERT_TRUE(logic_->DeletePerson(CallerOf(*login), erase).ok());
  EXPECT_TRUE(absl::IsUnauthenticated(Refresh(login->refresh_token()).status()));
  EXPECT_FALSE(logic_->store().Session(login->session_id())->has_value());
  EXPECT_TRUE(logic_->store().SessionsOf(ada.id(), "", 10)->items.empty());
}

}  // namespace
}  // namespace trustsphere::identity
