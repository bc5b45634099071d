#include "services/common/text.h"

#include <gtest/gtest.h>

namespace trustsphere {
namespace {

TEST(TextTest, OrganisationSpellingsShareOneKey) {
  EXPECT_EQ(NormalizeKey("Société Générale"), "societe generale");
  EXPECT_EQ(NormalizeKey("societe generale "), "societe generale");
  EXPECT_EQ(NormalizeKey("SOCIÉTÉ   GÉNÉRALE"), "societe generale");
  EXPECT_EQ(NormalizeKey("\tStraße\u00A0AG"), "strasse ag");  // full folding, NBSP
  EXPECT_EQ(NormalizeKey("ＡＢＣ"), "abc");                   // compatibility forms
  EXPECT_EQ(NormalizeKey("Négociation"), NormalizeKey("negociation"));
}

TEST(TextTest, NonLatinScriptsKeepTheirLetters) {
  EXPECT_EQ(NormalizeKey("Москва"), "москва");
  EXPECT_FALSE(NormalizeKey("東京").empty());
}

TEST(TextTest, CollapseSpacesTrimsAndKeepsCase) {
  EXPECT_EQ(CollapseSpaces("  Jacques   Dupont \n"), "Jacques Dupont");
}

TEST(TextTest, Utf8ValidationAndLength) {
  EXPECT_TRUE(IsValidUtf8("Été"));
  EXPECT_FALSE(IsValidUtf8("\xC3"));
  EXPECT_FALSE(IsValidUtf8("\xFF\xFE"));
  EXPECT_EQ(CodePointCount("Été"), 3u);
}

TEST(TextTest, EmailsNormaliseCaseAndRejectNonsense) {
  EXPECT_EQ(NormalizeEmail(" Jacques.Martin@Example.FR "), "jacques.martin@example.fr");
  EXPECT_EQ(NormalizeEmail("no-at-sign"), "");
  EXPECT_EQ(NormalizeEmail("a@b@c.fr"), "");
  EXPECT_EQ(NormalizeEmail("a b@c.fr"), "");
  EXPECT_EQ(NormalizeEmail("@c.fr"), "");
  EXPECT_EQ(NormalizeEmail("a@localhost"), "");
}

}  // namespace
}  // namespace trustsphere
