#include "services/common/core/text.h"

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

TEST(TextTest, InvisibleCharactersDoNotMakeANewKey) {
  EXPECT_EQ(NormalizeKey("nego\u200Dtiation"), "negotiation");            // zero-width joiner
  EXPECT_EQ(NormalizeKey("Soci\u200Bété Générale"), "societe generale");  // zero-width space
  EXPECT_EQ(NormalizeKey("plan\u00ADning"), "planning");                  // soft hyphen
  EXPECT_EQ(NormalizeKey("\u202Enoitaitogen"), "noitaitogen");            // right-to-left override
  EXPECT_EQ(NormalizeKey("\uFEFFacme"), "acme");                          // byte-order mark
  EXPECT_EQ(NormalizeKey("\u200D"), "");                                  // nothing visible: no key
}

TEST(TextTest, NamesLoseInvisibleFillersButKeepJoinersAndBidiControls) {
  EXPECT_EQ(CollapseSpaces("Soci\u200Bété"), "Société");
  EXPECT_EQ(CollapseSpaces("Jac\u00ADques\u2060"), "Jacques");
  // Needed by scripts (ZWNJ in Persian) and emoji sequences (ZWJ, VS16).
  EXPECT_EQ(CollapseSpaces("\u0645\u06CC\u200C\u062E"), "\u0645\u06CC\u200C\u062E");
  EXPECT_EQ(CollapseSpaces("\U0001F469\u200D\U0001F4BB \u2764\uFE0F"),
            "\U0001F469\u200D\U0001F4BB \u2764\uFE0F");
  // Left for CheckText to refuse, not silently dropped.
  EXPECT_TRUE(HasBidiControl(CollapseSpaces("Martin\u202E"), /*marks=*/false));
}

TEST(TextTest, BidiControlsAreFound) {
  EXPECT_TRUE(HasBidiControl("a\u202Eb", false));
  EXPECT_TRUE(HasBidiControl("a\u2066b\u2069", false));
  EXPECT_FALSE(HasBidiControl("\u05E9\u05DC\u200F\u05D5\u05DD", false));
  EXPECT_TRUE(HasBidiControl("\u05E9\u05DC\u200F\u05D5\u05DD", true));
  EXPECT_FALSE(HasBidiControl("Société", true));
}

TEST(TextTest, EmailsAreAsciiAfterCompatibilityNormalisation) {
  // Fullwidth letters are the ASCII address they look like.
  EXPECT_EQ(NormalizeEmail("\uFF44up@ex.com"), NormalizeEmail("dup@ex.com"));
  EXPECT_EQ(CanonicalEmail(" \uFF24up@Ex.com "), "Dup@Ex.com");
  // Invisible or non-ASCII characters are refused, not kept as a new address.
  EXPECT_EQ(NormalizeEmail("x@\u200Bex.com"), "");
  EXPECT_EQ(NormalizeEmail("x\u00AD@ex.com"), "");
  EXPECT_EQ(NormalizeEmail("jos\u00E9@ex.com"), "");
  EXPECT_EQ(NormalizeEmail("x@b\u00FCcher.de"), "");
  EXPECT_EQ(NormalizeEmail("x@ex.com\u3000"), "x@ex.com");  // ideographic space, trimmed
}

}  // namespace
}  // namespace trustsphere
