#pragma once

// The signed export of a recommendation: a compact JWS (EdDSA, the
// service's own key) over a canonical JSON of it, the same bytes whether a
// party exports it (ExportSignedRecommendation) or a dossier carries it.
// Verifiable here (VerifyRecommendation) or offline with GetPublicKeys.

#include <string>

#include "absl/time/time.h"
#include "services/common/auth/signing_key.h"
#include "trustsphere/recommendations/v1/recommendations.pb.h"

namespace trustsphere::recommendations {

// The payload's "typ" and the JWS header's "cty".
inline constexpr char kSignedRecommendationType[] = "trustsphere.recommendation.v1";

// header.payload.signature, base64url. The payload holds the ids, the
// names given here (the names at signing time), the facets, the text, the
// version, the context positions and `signed_at`; an oral reference's
// availability but never its contact.
std::string SignRecommendation(const v1::Recommendation& recommendation,
                               const std::string& author_name, const std::string& subject_name,
                               absl::Time signed_at, const SigningKeyPair& key);

}  // namespace trustsphere::recommendations
