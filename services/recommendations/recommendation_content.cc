#include "services/recommendations/recommendation_content.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "services/common/core/facet.h"
#include "services/common/core/validation.h"

namespace trustsphere::recommendations {
namespace {

constexpr size_t kMaxText = 5000;
constexpr size_t kMaxOralText = 1000;
constexpr size_t kMaxContact = 200;
constexpr size_t kMaxAvailability = 200;
constexpr int kMaxContextPositions = 10;

}  // namespace

// Normalises facets in place; `field` names the repeated field.
void NormalizeFacets(FieldErrors& errors, const std::string& field,
                     google::protobuf::RepeatedPtrField<common::v1::Facet>* facets, int min) {
  if (facets->size() < min || facets->size() > kMaxFacets) {
    errors.Add(field, absl::StrCat(min, " to ", kMaxFacets, " facets"));
  }
  std::set<std::pair<int, std::string>> seen;
  for (int i = 0; i < facets->size(); ++i) {
    const std::string item = absl::StrCat(field, "[", i, "]");
    common::v1::Facet normalized = NormalizeFacet(errors, item, facets->Get(i));
    if (!seen.insert({normalized.kind(), normalized.key()}).second) {
      errors.Add(item, "duplicate facet");
    }
    *facets->Mutable(i) = std::move(normalized);
  }
}

// The content rules of a recommendation, by field; normalises facets.
void CheckContent(FieldErrors& errors, v1::Recommendation& recommendation) {
  const std::string prefix = "recommendation.";
  NormalizeFacets(errors, prefix + "facets", recommendation.mutable_facets(), 1);
  if (recommendation.form() == v1::FORM_WRITTEN) {
    CheckText(errors, prefix + "text", recommendation.text(), 1, kMaxText, Lines::kMulti);
    if (!recommendation.contact().empty()) errors.Add(prefix + "contact", "for ORAL only");
    if (!recommendation.availability().empty()) {
      errors.Add(prefix + "availability", "for ORAL only");
    }
  } else if (recommendation.form() == v1::FORM_ORAL) {
    CheckText(errors, prefix + "text", recommendation.text(), 0, kMaxOralText, Lines::kMulti);
    CheckText(errors, prefix + "contact", recommendation.contact(), 1, kMaxContact);
    CheckText(errors, prefix + "availability", recommendation.availability(), 0, kMaxAvailability);
  } else {
    errors.Add(prefix + "form", "FORM_WRITTEN or FORM_ORAL");
  }
  if (recommendation.context_position_ids_size() > kMaxContextPositions) {
    errors.Add(prefix + "context_position_ids",
               absl::StrCat("at most ", kMaxContextPositions, " positions"));
  }
  for (int i = 0; i < recommendation.context_position_ids_size(); ++i) {
    CheckId(errors, absl::StrCat(prefix, "context_position_ids[", i, "]"),
            recommendation.context_position_ids(i));
  }
}

}  // namespace trustsphere::recommendations
