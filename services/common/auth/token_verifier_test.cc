#include "services/common/auth/token_verifier.h"

#include <gtest/gtest.h>

#include "absl/time/clock.h"
#include "tests/support/temp_dir.h"

namespace trustsphere {
namespace {

// A verifier that accepts the tokens of a fresh signing key.
class TokenVerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = LoadOrCreateSigningKey(dir_.Sub("key.json"));
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    key_ = std::move(*loaded);
    verifier_.SetKeys({{key_.key_id, key_.public_key}});
  }

  testing::TempDir dir_;
  SigningKeyPair key_;
  TokenVerifier verifier_;
};

TEST_F(TokenVerifierTest, AcceptsBearerTokensOfKnownKeysOnly) {
  TokenClaims claims{.subject = "p1",
                     .roles = static_cast<uint32_t>(Role::kOperator),
                     .issued_at = absl::Now(),
                     .expires_at = absl::Now() + absl::Minutes(1)};
  std::string token = SignAccessToken(claims, key_);

  for (int attempt = 0; attempt < 2; ++attempt) {  // second one from the cache
    auto caller = verifier_.Verify("Bearer " + token);
    ASSERT_TRUE(caller.ok()) << caller.status();
    EXPECT_EQ(caller->person_id, "p1");
    EXPECT_TRUE(caller->Has(Role::kOperator));
    EXPECT_TRUE(caller->IsPrivileged());
  }
  EXPECT_TRUE(absl::IsUnauthenticated(verifier_.Verify("").status()));
  EXPECT_TRUE(absl::IsUnauthenticated(verifier_.Verify(token).status()));  // no scheme
  EXPECT_TRUE(absl::IsUnauthenticated(verifier_.Verify("Basic " + token).status()));

  // A withdrawn key stops cached tokens too.
  verifier_.SetKeys({});
  EXPECT_TRUE(absl::IsUnauthenticated(verifier_.Verify("Bearer " + token).status()));
}

// A revoked subject's tokens issued up to the revocation are refused, the
// cached ones included; later ones and other subjects' are not.
TEST_F(TokenVerifierTest, RevokedTokensAreRefusedCachedOrNot) {
  const absl::Time now = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()));
  auto token_of = [&](const std::string& subject, absl::Time issued_at) {
    return "Bearer " + SignAccessToken({.subject = subject,
                                        .roles = static_cast<uint32_t>(Role::kUser),
                                        .issued_at = issued_at,
                                        .expires_at = now + absl::Minutes(15)},
                                       key_);
  };
  const std::string cached = token_of("p1", now - absl::Minutes(2));
  ASSERT_TRUE(verifier_.Verify(cached).ok());
  const std::string uncached = token_of("p1", now - absl::Minutes(1));
  const std::string later = token_of("p1", now + absl::Seconds(1));
  const std::string other = token_of("p2", now - absl::Minutes(1));

  verifier_.Revoke("p1", now);
  for (const std::string& refused : {cached, uncached}) {
    auto caller = verifier_.Verify(refused);
    EXPECT_TRUE(absl::IsUnauthenticated(caller.status())) << caller.status();
    EXPECT_NE(caller.status().message().find("revoked"), std::string::npos);
  }
  EXPECT_TRUE(verifier_.Verify(later).ok());
  EXPECT_TRUE(verifier_.Verify(other).ok());
  // An earlier revocation does not undo a later one.
  verifier_.Revoke("p1", now - absl::Hours(1));
  EXPECT_FALSE(verifier_.Verify(cached).ok());
}

// An ended session's tokens are refused, cached or not, while the person's
// other sessions go on; a revocation whose bound has passed is not kept.
TEST_F(TokenVerifierTest, AnEndedSessionsTokensAreRefusedAndItsOtherSessionsAreNot) {
  const absl::Time now = absl::Now();
  auto token_of = [&](const std::string& session_id) {
    return "Bearer " + SignAccessToken({.subject = "p1",
                                        .roles = static_cast<uint32_t>(Role::kUser),
                                        .session_id = session_id,
                                        .issued_at = now,
                                        .expires_at = now + absl::Minutes(15)},
                                       key_);
  };
  const std::string phone = token_of("ses_phone");
  const std::string laptop = token_of("ses_laptop");
  auto caller = verifier_.Verify(phone);
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ(caller->session_id, "ses_phone");

  verifier_.RevokeSession("ses_phone", now + absl::Minutes(15));
  auto refused = verifier_.Verify(phone);
  EXPECT_TRUE(absl::IsUnauthenticated(refused.status())) << refused.status();
  EXPECT_NE(refused.status().message().find("session"), std::string::npos);
  EXPECT_TRUE(verifier_.Verify(laptop).ok());

  verifier_.RevokeSession("ses_laptop", now - absl::Seconds(1));
  EXPECT_TRUE(verifier_.Verify(laptop).ok()) << "a bound in the past revokes nothing";
}

}  // namespace
}  // namespace trustsphere
