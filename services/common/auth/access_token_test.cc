#include "services/common/auth/access_token.h"

#include <gtest/gtest.h>

#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "services/common/core/crypto.h"
#include "tests/support/temp_dir.h"

namespace trustsphere {
namespace {

class AccessTokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto key = LoadOrCreateSigningKey(dir_.Sub("key.json"));
    ASSERT_TRUE(key.ok()) << key.status();
    key_ = *key;
    keys_[key_.key_id] = key_.public_key;
  }

  TokenClaims Claims(absl::Duration ttl = absl::Minutes(5)) const {
    return TokenClaims{.subject = "p1",
                       .roles = static_cast<uint32_t>(Role::kUser),
                       .issued_at = absl::Now(),
                       .expires_at = absl::Now() + ttl};
  }

  testing::TempDir dir_;
  SigningKeyPair key_;
  PublicKeySet keys_;
};

TEST_F(AccessTokenTest, SignedTokenVerifies) {
  std::string token = SignAccessToken(Claims(), key_);
  auto claims = VerifyAccessToken(token, keys_, absl::Now());
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->subject, "p1");
  EXPECT_EQ(claims->roles, static_cast<uint32_t>(Role::kUser));
}

TEST_F(AccessTokenTest, KeyFileIsReusedAcrossLoads) {
  auto again = LoadOrCreateSigningKey(dir_.Sub("key.json"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->key_id, key_.key_id);
  EXPECT_EQ(again->public_key, key_.public_key);
}

TEST_F(AccessTokenTest, ExpiredTokenIsRefused) {
  std::string token = SignAccessToken(Claims(absl::Seconds(1)), key_);
  auto claims = VerifyAccessToken(token, keys_, absl::Now() + absl::Seconds(2));
  EXPECT_TRUE(absl::IsUnauthenticated(claims.status()));
}

TEST_F(AccessTokenTest, TamperedPayloadIsRefused) {
  std::string token = SignAccessToken(Claims(), key_);
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  parts[1] =
      Base64UrlEncode(R"({"iss":"trustsphere","sub":"p1","roles":["operator"],"exp":99999999999})");
  std::string forged = parts[0] + "." + parts[1] + "." + parts[2];
  EXPECT_TRUE(absl::IsUnauthenticated(VerifyAccessToken(forged, keys_, absl::Now()).status()));
}

TEST_F(AccessTokenTest, AlgNoneIsRefused) {
  std::string header = Base64UrlEncode(R"({"alg":"none","kid":")" + key_.key_id + R"("})");
  std::string payload =
      Base64UrlEncode(R"({"iss":"trustsphere","sub":"p1","roles":["user"],"exp":99999999999})");
  EXPECT_TRUE(absl::IsUnauthenticated(
      VerifyAccessToken(header + "." + payload + ".", keys_, absl::Now()).status()));
}

TEST_F(AccessTokenTest, TokenOfAnotherKeyIsRefused) {
  auto other = LoadOrCreateSigningKey(dir_.Sub("other.json"));
  ASSERT_TRUE(other.ok());
  std::string token = SignAccessToken(Claims(), *other);
  EXPECT_TRUE(absl::IsUnauthenticated(VerifyAccessToken(token, keys_, absl::Now()).status()));
}

TEST_F(AccessTokenTest, GarbageIsRefused) {
  for (const std::string& token :
       std::vector<std::string>{"", "a.b", "a.b.c", "....", std::string(5000, 'a')}) {
    EXPECT_TRUE(absl::IsUnauthenticated(VerifyAccessToken(token, keys_, absl::Now()).status()))
        << token;
  }
}

}  // namespace
}  // namespace trustsphere
