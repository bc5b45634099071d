#include "services/common/core/validation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace trustsphere {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

std::vector<std::pair<std::string, std::string>> Violations(absl::string_view value, Lines lines) {
  FieldErrors errors;
  CheckText(errors, "name", value, 1, 100, lines);
  return FieldViolationsOf(errors.ToStatus());
}

TEST(ValidationTest, TextRefusesReorderingControls) {
  const auto refused =
      ElementsAre(Pair("name", "must not contain bidirectional control characters"));
  EXPECT_THAT(Violations("Martin\u202Egpj.exe", Lines::kSingle), refused);
  EXPECT_THAT(Violations("Martin\u202Egpj.exe", Lines::kMulti), refused);
  EXPECT_THAT(Violations("\u2067Jacques\u2069", Lines::kSingle), refused);
  // Direction marks are invisible in a name, and part of right-to-left prose.
  EXPECT_THAT(Violations("\u05E9\u05DC\u05D5\u05DD\u200F", Lines::kSingle), refused);
  EXPECT_THAT(Violations("\u05E9\u05DC\u05D5\u05DD\u200F", Lines::kMulti), IsEmpty());
  EXPECT_THAT(Violations("Société Générale", Lines::kSingle), IsEmpty());
}

}  // namespace
}  // namespace trustsphere
