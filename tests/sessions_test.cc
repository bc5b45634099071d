// Sessions across the three real servers: an ended session's access token
// (revoked, or ended by a password change) is refused by every server
// within the revocation poll period (250 ms) plus one read of identity's
// log, and stays refused after a restart; the person's other sessions go
// on; a rotated refresh token survives kill -9 of identity.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "tests/support/deployment.h"
#include "tests/support/wait_until.h"

namespace trustsphere::testing {
namespace {

namespace iv1 = identity_v1;
namespace rv1 = relationships_v1;
namespace cv1 = recommendations_v1;
using namespace std::chrono_literals;
using Code = grpc::StatusCode;

class SessionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    deployment_ = std::make_unique<Deployment>(dir_);
    ASSERT_TRUE(deployment_->ok());
    ASSERT_TRUE(deployment_->StartRecommendations());
  }

  iv1::IdentityService::Stub& ident() { return deployment_->identity(); }

  // Another login of `account`, on another device.
  iv1::AuthenticateResponse LogInAgain(const Account& account, const std::string& device) {
    iv1::AuthenticateRequest login;
    login.set_email(account.email);
    login.set_password(account.password);
    login.set_device_label(device);
    iv1::AuthenticateResponse session;
    grpc::Status status = ident().Authenticate(Context().get(), login, &session);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return session;
  }

  // A read of each server with `token` about `person`: identity's
  // GetPerson, relationships' ListTrusted, recommendations' ListRequests.
  std::vector<Code> ReadEach(const std::string& token, const Account& person) {
    iv1::GetPersonRequest get;
    get.set_id(person.person.id());
    iv1::Person found;
    rv1::ListTrustedRequest trusted;
    trusted.set_person_id(person.person.id());
    rv1::ListTrustedResponse statements;
    cv1::ListRequestsRequest inbox;
    inbox.set_person_id(person.person.id());
    cv1::ListRequestsResponse requests;
    return {ident().GetPerson(Context(token).get(), get, &found).error_code(),
            deployment_->relationships()
                .ListTrusted(Context(token).get(), trusted, &statements)
                .error_code(),
            deployment_->recommendations()
                .ListRequests(Context(token).get(), inbox, &requests)
                .error_code()};
  }

  // How long, from now, until every server refuses `token`; fails the
  // test past 10 s.
  double MillisUntilRefusedEverywhere(const std::string& token, const Account& person) {
    const auto start = std::chrono::steady_clock::now();
    const std::vector<Code> refused(3, Code::UNAUTHENTICATED);
    EXPECT_TRUE(WaitUntil([&] { return ReadEach(token, person) == refused; }, 10s))
        << "codes: " << static_cast<int>(ReadEach(token, person)[0]) << " "
        << static_cast<int>(ReadEach(token, person)[1]) << " "
        << static_cast<int>(ReadEach(token, person)[2]);
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
        .count();
  }

  grpc::Status Refresh(const std::string& refresh_token, iv1::AuthenticateResponse* session) {
    iv1::RefreshSessionRequest request;
    request.set_refresh_token(refresh_token);
    return ident().RefreshSession(Context().get(), request, session);
  }

  const std::vector<Code> kServed = {Code::OK, Code::OK, Code::OK};
  TempDir dir_;
  std::unique_ptr<Deployment> deployment_;
};

TEST_F(SessionsTest, ARevokedSessionsTokenIsRefusedByEveryServerAndTheOthersGoOn) {
  const Account ada = deployment_->SignUp("ada");
  const iv1::AuthenticateResponse laptop = LogInAgain(ada, "Laptop");
  ASSERT_EQ(ReadEach(laptop.access_token(), ada), kServed);

  iv1::RevokeSessionRequest revoke;
  revoke.set_person_id(ada.person.id());
  revoke.set_session_id(laptop.session_id());
  google::protobuf::Empty empty;
  ASSERT_TRUE(ident().RevokeSession(Context(ada.token).get(), revoke, &empty).ok());
  std::printf(
      "sessions: a revoked session's token refused on all three servers %.0f ms after "
      "the revocation\n",
      MillisUntilRefusedEverywhere(laptop.access_token(), ada));
  iv1::AuthenticateResponse refreshed;
  EXPECT_EQ(Refresh(laptop.refresh_token(), &refreshed).error_code(), Code::UNAUTHENTICATED);
  // The device that revoked it goes on, and a fresh login works.
  EXPECT_EQ(ReadEach(ada.token, ada), kServed);
  EXPECT_EQ(ReadEach(LogInAgain(ada, "Laptop again").access_token(), ada), kServed);

  // A restarted server learns the revocation again before it serves.
  deployment_->Restart(Server::kRecommendations, /*kill=*/true);
  deployment_->RestartRelationships(/*kill=*/true);
  EXPECT_EQ(ReadEach(laptop.access_token(), ada), std::vector<Code>(3, Code::UNAUTHENTICATED));
}

TEST_F(SessionsTest, APasswordChangeEndsEveryOtherSessionOnEveryServer) {
  const Account ada = deployment_->SignUp("ada");
  const iv1::AuthenticateResponse laptop = LogInAgain(ada, "Laptop");
  const Account bob = deployment_->SignUp("bob");

  iv1::ChangePasswordRequest change;
  change.set_person_id(ada.person.id());
  change.set_old_password(ada.password);
  change.set_new_password("an entirely new password");
  iv1::ChangePasswordResponse changed;
  // Bob, whoever his token says he is, cannot change Ada's.
  EXPECT_EQ(ident().ChangePassword(Context(bob.token).get(), change, &changed).error_code(),
            Code::PERMISSION_DENIED);
  ASSERT_TRUE(ident().ChangePassword(Context(ada.token).get(), change, &changed).ok());
  EXPECT_EQ(changed.revoked_sessions(), 1);
  std::printf(
      "sessions: after a password change, another session's token refused on all three "
      "servers %.0f ms later\n",
      MillisUntilRefusedEverywhere(laptop.access_token(), ada));
  EXPECT_EQ(ReadEach(ada.token, ada), kServed);
  EXPECT_EQ(ReadEach(bob.token, bob), kServed);
}

TEST_F(SessionsTest, ARotatedRefreshTokenSurvivesAKilledIdentityServer) {
  const Account ada = deployment_->SignUp("ada");
  iv1::AuthenticateResponse rotated;
  ASSERT_TRUE(Refresh(ada.refresh_token, &rotated).ok());
  deployment_->Restart(Server::kIdentity, /*kill=*/true);

  iv1::AuthenticateResponse again;
  grpc::Status refreshed = RetryUntilOk([&] { return Refresh(rotated.refresh_token(), &again); });
  ASSERT_TRUE(refreshed.ok()) << refreshed.error_message();
  EXPECT_EQ(again.session_id(), ada.session_id);
  EXPECT_EQ(ReadEach(again.access_token(), ada), kServed);

  // The token rotated before the crash is known as such after it: its
  // reuse ends the session, and the servers then refuse its access tokens.
  iv1::AuthenticateResponse reused;
  EXPECT_EQ(Refresh(ada.refresh_token, &reused).error_code(), Code::UNAUTHENTICATED);
  MillisUntilRefusedEverywhere(again.access_token(), ada);
}

}  // namespace
}  // namespace trustsphere::testing
