#include "services/common/core/facet.h"

#include "services/common/core/text.h"
#include "services/common/core/validation.h"

namespace trustsphere {

common::v1::Facet NormalizeFacet(FieldErrors& errors, const std::string& field,
                                 const common::v1::Facet& facet) {
  common::v1::Facet normalized;
  normalized.set_kind(facet.kind());
  switch (facet.kind()) {
    case common::v1::FACET_KIND_FUNCTION:
      CheckId(errors, field + ".key", facet.key());
      normalized.set_key(facet.key());
      break;
    case common::v1::FACET_KIND_COMPETENCY:
    case common::v1::FACET_KIND_QUALITY:
      CheckText(errors, field + ".key", facet.key(), 1, kMaxTagChars);
      if (IsValidUtf8(facet.key())) {
        normalized.set_key(NormalizeKey(facet.key()));
        if (!facet.key().empty() && normalized.key().empty()) {
          errors.Add(field + ".key", "must contain letters or digits");
        }
      }
      break;
    default:
      errors.Add(field + ".kind", "FUNCTION, COMPETENCY or QUALITY");
  }
  return normalized;
}

}  // namespace trustsphere
