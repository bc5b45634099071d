#include "storage/key_encoding.h"

#include <gtest/gtest.h>

namespace trustsphere::storage {
namespace {

TEST(KeyEncodingTest, IntegersSortNumerically) {
  std::string small = KeyBuilder().U64(255).Build();
  std::string large = KeyBuilder().U64(256).Build();
  EXPECT_LT(small, large);
  EXPECT_LT(KeyBuilder().U32(1).Build(), KeyBuilder().U32(0x01000000).Build());
}

TEST(KeyEncodingTest, RoundTripsEveryPart) {
  std::string key =
      KeyBuilder().U8(7).Str("person").U32(202311).U64(1ULL << 40).Tail("rest").Build();
  KeyReader reader(key);
  uint8_t u8 = 0;
  uint32_t u32 = 0;
  uint64_t u64 = 0;
  std::string str;
  std::string tail;
  ASSERT_TRUE(reader.U8(&u8));
  ASSERT_TRUE(reader.Str(&str));
  ASSERT_TRUE(reader.U32(&u32));
  ASSERT_TRUE(reader.U64(&u64));
  reader.Tail(&tail);
  EXPECT_EQ(u8, 7);
  EXPECT_EQ(str, "person");
  EXPECT_EQ(u32, 202311u);
  EXPECT_EQ(u64, 1ULL << 40);
  EXPECT_EQ(tail, "rest");
  EXPECT_TRUE(reader.AtEnd());
}

TEST(KeyEncodingTest, LengthPrefixKeepsPartsApart) {
  // Without the prefix, ("ab", "c") and ("a", "bc") would be the same key.
  EXPECT_NE(KeyBuilder().Str("ab").Str("c").Build(), KeyBuilder().Str("a").Str("bc").Build());
  std::string prefix = KeyBuilder().Str("ab").Build();
  std::string longer = KeyBuilder().Str("abc").Build();
  EXPECT_NE(longer.substr(0, prefix.size()), prefix);
}

TEST(KeyEncodingTest, TruncatedKeysAreRejected) {
  std::string key = KeyBuilder().Str("hello").Build();
  KeyReader short_reader(std::string_view(key).substr(0, 4));
  std::string value;
  EXPECT_FALSE(short_reader.Str(&value));
  KeyReader empty_reader("");
  uint64_t number = 0;
  EXPECT_FALSE(empty_reader.U64(&number));
}

TEST(KeyEncodingTest, PrefixSuccessorBoundsThePrefix) {
  EXPECT_EQ(PrefixSuccessor("ab"), "ac");
  EXPECT_EQ(PrefixSuccessor(std::string("a\xff", 2)), "b");
  EXPECT_EQ(PrefixSuccessor(std::string("\xff\xff", 2)), "");
  EXPECT_EQ(PrefixSuccessor(""), "");
}

}  // namespace
}  // namespace trustsphere::storage
