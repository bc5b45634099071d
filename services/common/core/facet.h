#pragma once

// Facets as stored and compared by every service: tags normalised like
// identity's vocabulary (NormalizeKey), FUNCTION keys (position ids) as
// given.

#include <algorithm>
#include <string>

#include "services/common/core/errors.h"
#include "trustsphere/common/v1/common.pb.h"

namespace trustsphere {

inline constexpr size_t kMaxTagChars = 64;

// The normalised facet; violations are added under `field` (".kind",
// ".key").
common::v1::Facet NormalizeFacet(FieldErrors& errors, const std::string& field,
                                 const common::v1::Facet& facet);

// Same kind and key.
inline bool SameFacet(const common::v1::Facet& a, const common::v1::Facet& b) {
  return a.kind() == b.kind() && a.key() == b.key();
}

inline bool ContainsFacet(const google::protobuf::RepeatedPtrField<common::v1::Facet>& facets,
                          const common::v1::Facet& facet) {
  return std::any_of(facets.begin(), facets.end(),
                     [&](const common::v1::Facet& held) { return SameFacet(held, facet); });
}

}  // namespace trustsphere
