#include "services/recommendations/signed_export.h"

#include "nlohmann/json.hpp"
#include "services/common/auth/jws.h"

namespace trustsphere::recommendations {
namespace {

std::string FacetKindName(common::v1::FacetKind kind) {
  switch (kind) {
    case common::v1::FACET_KIND_FUNCTION:
      return "FUNCTION";
    case common::v1::FACET_KIND_COMPETENCY:
      return "COMPETENCY";
    case common::v1::FACET_KIND_QUALITY:
      return "QUALITY";
    default:
      return "UNSPECIFIED";
  }
}

// Canonical: nlohmann's objects keep keys sorted and dump() adds no spaces,
// so the same recommendation always gives the same bytes.
nlohmann::json CanonicalPayload(const v1::Recommendation& recommendation,
                                const std::string& author_name, const std::string& subject_name,
                                absl::Time signed_at) {
  nlohmann::json facets = nlohmann::json::array();
  for (const auto& facet : recommendation.facets()) {
    facets.push_back({{"kind", FacetKindName(facet.kind())}, {"key", facet.key()}});
  }
  nlohmann::json payload = {
      {"typ", kSignedRecommendationType},
      {"id", recommendation.id()},
      {"version", recommendation.version()},
      {"form", recommendation.form() == v1::FORM_ORAL ? "ORAL" : "WRITTEN"},
      {"author", {{"id", recommendation.author_id()}, {"name", author_name}}},
      {"subject", {{"id", recommendation.subject_id()}, {"name", subject_name}}},
      {"facets", facets},
      {"text", recommendation.text()},
      {"context_position_ids", recommendation.context_position_ids()},
      {"signed_at", absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", signed_at, absl::UTCTimeZone())}};
  // Oral references carry their availability, never the contact: the
  // contact travels only in dossiers, outside the signature.
  if (recommendation.form() == v1::FORM_ORAL) {
    payload["availability"] = recommendation.availability();
  }
  return payload;
}

}  // namespace

std::string SignRecommendation(const v1::Recommendation& recommendation,
                               const std::string& author_name, const std::string& subject_name,
                               absl::Time signed_at, const SigningKeyPair& key) {
  return SignCompactJws({{"typ", "JOSE"}, {"cty", kSignedRecommendationType}},
                        CanonicalPayload(recommendation, author_name, subject_name, signed_at),
                        key);
}

}  // namespace trustsphere::recommendations
