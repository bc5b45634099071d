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

}  // namespace
}  // namespace trustsphere
