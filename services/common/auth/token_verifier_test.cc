#include "services/common/auth/token_verifier.h"

#include <gtest/gtest.h>

#include "absl/time/clock.h"
#include "tests/support/temp_dir.h"

namespace trustsphere {
namespace {

TEST(TokenVerifierTest, AcceptsBearerTokensOfKnownKeysOnly) {
  testing::TempDir dir;
  auto key = LoadOrCreateSigningKey(dir.Sub("key.json"));
  ASSERT_TRUE(key.ok());
  TokenVerifier verifier;
  verifier.SetKeys({{key->key_id, key->public_key}});
  TokenClaims claims{.subject = "p1",
                     .roles = static_cast<uint32_t>(Role::kOperator),
                     .issued_at = absl::Now(),
                     .expires_at = absl::Now() + absl::Minutes(1)};
  std::string token = SignAccessToken(claims, *key);

  for (int attempt = 0; attempt < 2; ++attempt) {  // second one from the cache
    auto caller = verifier.Verify("Bearer " + token);
    ASSERT_TRUE(caller.ok()) << caller.status();
    EXPECT_EQ(caller->person_id, "p1");
    EXPECT_TRUE(caller->Has(Role::kOperator));
    EXPECT_TRUE(caller->IsPrivileged());
  }
  EXPECT_TRUE(absl::IsUnauthenticated(verifier.Verify("").status()));
  EXPECT_TRUE(absl::IsUnauthenticated(verifier.Verify(token).status()));  // no scheme
  EXPECT_TRUE(absl::IsUnauthenticated(verifier.Verify("Basic " + token).status()));

  // A withdrawn key stops cached tokens too.
  verifier.SetKeys({});
  EXPECT_TRUE(absl::IsUnauthenticated(verifier.Verify("Bearer " + token).status()));
}

// A revoked subject's tokens issued up to the revocation are refused, the
// cached ones included; later ones and other subjects' are not.
TEST(TokenVerifierTest, RevokedTokensAreRefusedCachedOrNot) {
  testing::TempDir dir;
  auto key = LoadOrCreateSigningKey(dir.Sub("key.json"));
  ASSERT_TRUE(key.ok());
  TokenVerifier verifier;
  verifier.SetKeys({{key->key_id, key->public_key}});
  const absl::Time now = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()));
  auto token_of = [&](const std::string& subject, absl::Time issued_at) {
    return "Bearer " + SignAccessToken({.subject = subject,
                                        .roles = static_cast<uint32_t>(Role::kUser),
                                        .issued_at = issued_at,
                                        .expires_at = now + absl::Minutes(15)},
                                       *key);
  };
  const std::string cached = token_of("p1", now - absl::Minutes(2));
  ASSERT_TRUE(verifier.Verify(cached).ok());
  const std::string uncached = token_of("p1", now - absl::Minutes(1));
  const std::string later = token_of("p1", now + absl::Seconds(1));
  const std::string other = token_of("p2", now - absl::Minutes(1));

  verifier.Revoke("p1", now);
  for (const std::string& refused : {cached, uncached}) {
    auto caller = verifier.Verify(refused);
    EXPECT_TRUE(absl::IsUnauthenticated(caller.status())) << caller.status();
    EXPECT_NE(caller.status().message().find("revoked"), std::string::npos);
  }
  EXPECT_TRUE(verifier.Verify(later).ok());
  EXPECT_TRUE(verifier.Verify(other).ok());
  // An earlier revocation does not undo a later one.
  verifier.Revoke("p1", now - absl::Hours(1));
  EXPECT_FALSE(verifier.Verify(cached).ok());
}

}  // namespace
}  // namespace trustsphere
