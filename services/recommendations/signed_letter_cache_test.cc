#include "services/recommendations/signed_letter_cache.h"

#include <gtest/gtest.h>

#include "services/recommendations/signed_export.h"
#include "tests/support/temp_dir.h"

namespace trustsphere::recommendations {
namespace {

class SignedLetterCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto key = LoadOrCreateSigningKey(dir_.Sub("key.json"));
    ASSERT_TRUE(key.ok()) << key.status();
    key_ = *key;
    auto other = LoadOrCreateSigningKey(dir_.Sub("other.json"));
    ASSERT_TRUE(other.ok()) << other.status();
    other_key_ = *other;
  }

  static v1::Recommendation Letter(const std::string& id, int version) {
    v1::Recommendation letter;
    letter.set_id(id);
    letter.set_version(version);
    letter.set_text("Un négociateur redoutable.");
    return letter;
  }

  testing::TempDir dir_;
  SigningKeyPair key_, other_key_;
  const absl::Time t0_ = absl::FromUnixSeconds(1800000000);
};

TEST_F(SignedLetterCacheTest, ALetterReadAgainIsTheSameSignatureUntilItsMaxAge) {
  SignedLetterCache letters(100, absl::Hours(1));
  const std::string first = letters.Sign(Letter("rec_1", 1), "Jacques", "Martin", t0_, key_);
  // Exactly what signing at that time gives.
  EXPECT_EQ(first, SignRecommendation(Letter("rec_1", 1), "Jacques", "Martin", t0_, key_));
  EXPECT_EQ(letters.Sign(Letter("rec_1", 1), "Jacques", "Martin", t0_ + absl::Minutes(59), key_),
            first);
  const absl::Time later = t0_ + absl::Hours(1);
  EXPECT_EQ(letters.Sign(Letter("rec_1", 1), "Jacques", "Martin", later, key_),
            SignRecommendation(Letter("rec_1", 1), "Jacques", "Martin", later, key_));
  EXPECT_EQ(letters.size(), 1u);
}

TEST_F(SignedLetterCacheTest, AnotherVersionNameOrKeyIsSignedAnew) {
  SignedLetterCache letters(100, absl::Hours(1));
  const absl::Time later = t0_ + absl::Minutes(1);
  letters.Sign(Letter("rec_1", 1), "Jacques", "Martin", t0_, key_);
  EXPECT_EQ(letters.Sign(Letter("rec_1", 2), "Jacques", "Martin", later, key_),
            SignRecommendation(Letter("rec_1", 2), "Jacques", "Martin", later, key_));
  EXPECT_EQ(letters.Sign(Letter("rec_1", 1), "Jacques D.", "Martin", later, key_),
            SignRecommendation(Letter("rec_1", 1), "Jacques D.", "Martin", later, key_));
  EXPECT_EQ(letters.Sign(Letter("rec_1", 1), "Jacques", "Martin Durand", later, key_),
            SignRecommendation(Letter("rec_1", 1), "Jacques", "Martin Durand", later, key_));
  EXPECT_EQ(letters.Sign(Letter("rec_1", 1), "Jacques", "Martin", later, other_key_),
            SignRecommendation(Letter("rec_1", 1), "Jacques", "Martin", later, other_key_));
  EXPECT_EQ(letters.size(), 5u);
}

TEST_F(SignedLetterCacheTest, TheLeastRecentlyReadGoFirstPastTheCapacity) {
  SignedLetterCache letters(2, absl::Hours(1));
  const std::string a = letters.Sign(Letter("rec_a", 1), "A", "S", t0_, key_);
  const std::string b = letters.Sign(Letter("rec_b", 1), "B", "S", t0_, key_);
  const absl::Time later = t0_ + absl::Minutes(1);
  EXPECT_EQ(letters.Sign(Letter("rec_a", 1), "A", "S", later, key_), a);  // a read again
  letters.Sign(Letter("rec_c", 1), "C", "S", later, key_);                // b leaves
  EXPECT_EQ(letters.size(), 2u);
  EXPECT_EQ(letters.Sign(Letter("rec_a", 1), "A", "S", later, key_), a);
  EXPECT_NE(letters.Sign(Letter("rec_b", 1), "B", "S", later, key_), b);
}

}  // namespace
}  // namespace trustsphere::recommendations
