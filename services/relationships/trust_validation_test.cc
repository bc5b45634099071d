#include "services/relationships/trust_validation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace trustsphere::relationships {
namespace {

using ::testing::Contains;
using ::testing::Pair;

common::v1::Facet Competency(const std::string& key) {
  common::v1::Facet facet;
  facet.set_kind(common::v1::FACET_KIND_COMPETENCY);
  facet.set_key(key);
  return facet;
}

v1::TrustStatement About(const std::string& trustee) {
  v1::TrustStatement statement;
  statement.set_trustee_id(trustee);
  return statement;
}

TEST(TrustValidationTest, AnInvisibleCharacterDoesNotMakeAFacetBothInsideAndOutside) {
  v1::TrustStatement input = About("prs_martin");
  *input.mutable_sphere()->add_inside() = Competency("negotiation");
  *input.mutable_sphere()->add_outside() = Competency("nego\u200Dtiation");
  auto normalized = NormalizeStatement(input, "prs_jacques");
  EXPECT_THAT(FieldViolationsOf(normalized.status()),
              Contains(Pair("statement.sphere.outside[0]", "also inside the sphere")));
}

TEST(TrustValidationTest, ATagOfInvisibleCharactersIsRefusedLikeSpaces) {
  for (const char* key : {"\u200D", "\u200B\u00AD", "   "}) {
    v1::TrustStatement input = About("prs_martin");
    *input.mutable_sphere()->add_inside() = Competency(key);
    EXPECT_THAT(FieldViolationsOf(NormalizeStatement(input, "prs_jacques").status()),
                Contains(Pair("statement.sphere.inside[0].key", "must contain letters or digits")))
        << key;
  }
}

TEST(TrustValidationTest, ATagWithABidiControlIsRefused) {
  v1::TrustStatement input = About("prs_martin");
  *input.mutable_sphere()->add_inside() = Competency("\u202Egninnalp");
  EXPECT_THAT(FieldViolationsOf(NormalizeStatement(input, "prs_jacques").status()),
              Contains(Pair("statement.sphere.inside[0].key",
                            "must not contain bidirectional control characters")));
}

}  // namespace
}  // namespace trustsphere::relationships
