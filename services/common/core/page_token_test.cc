#include "services/common/core/page_token.h"

#include "services/common/core/errors.h"

#include <gtest/gtest.h>

namespace trustsphere {
namespace {

TEST(PageTokenTest, RoundTripsForTheSameQuery) {
  PageTokenCodec codec(std::string(32, 'k'));
  std::string token = codec.Encode("ListPositions/p1", "cursor\x01\x02");
  auto cursor = codec.Decode("ListPositions/p1", token);
  ASSERT_TRUE(cursor.ok());
  EXPECT_EQ(*cursor, "cursor\x01\x02");
  EXPECT_EQ(*codec.Decode("anything", ""), "");
}

TEST(PageTokenTest, RefusesTokensOfOtherQueriesOrSecretsOrAltered) {
  PageTokenCodec codec(std::string(32, 'k'));
  std::string token = codec.Encode("ListPositions/p1", "cursor");
  EXPECT_TRUE(absl::IsInvalidArgument(codec.Decode("ListPositions/p2", token).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      PageTokenCodec(std::string(32, 'x')).Decode("ListPositions/p1", token).status()));
  std::string altered = token;
  altered[0] = altered[0] == 'A' ? 'B' : 'A';
  EXPECT_TRUE(absl::IsInvalidArgument(codec.Decode("ListPositions/p1", altered).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(codec.Decode("ListPositions/p1", "!!").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(codec.Decode("ListPositions/p1", "abc").status()));
}

TEST(PageTokenTest, PageSizeDefaultsAndCaps) {
  FieldErrors errors;
  EXPECT_EQ(PageSize(errors, 0), kDefaultPageSize);
  EXPECT_EQ(PageSize(errors, 5), 5);
  EXPECT_EQ(PageSize(errors, 100000), kMaxPageSize);
  EXPECT_TRUE(errors.empty());
  PageSize(errors, -1);
  EXPECT_EQ(FieldViolationsOf(errors.ToStatus()).at(0).first, "page_size");
}

}  // namespace
}  // namespace trustsphere
