#pragma once

// What a recommendation, and a request for one, may hold: the content rules
// of every path that writes one (write, revise, request).

#include <string>

#include "google/protobuf/repeated_ptr_field.h"
#include "services/common/core/errors.h"
#include "trustsphere/recommendations/v1/recommendations.pb.h"

namespace trustsphere::recommendations {

inline constexpr size_t kMaxMessage = 2000;
inline constexpr int kMaxFacets = 20;

// Normalises facets in place (at least `min`, at most kMaxFacets, no
// duplicates); `field` names the repeated field.
void NormalizeFacets(FieldErrors& errors, const std::string& field,
                     google::protobuf::RepeatedPtrField<common::v1::Facet>* facets, int min);

// The content rules of a recommendation, by field under "recommendation.";
// normalises its facets.
void CheckContent(FieldErrors& errors, v1::Recommendation& recommendation);

}  // namespace trustsphere::recommendations
