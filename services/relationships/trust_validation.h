#pragma once

// Rules of a trust statement's content. What can be checked locally is
// checked by NormalizeStatement; what needs identity (who owns the positions
// named) by CheckPositionOwnership on positions fetched in one call.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/core/errors.h"
#include "services/common/core/facet.h"
#include "trustsphere/identity/v1/identity.pb.h"
#include "trustsphere/relationships/v1/relationships.pb.h"

namespace trustsphere::relationships {

inline constexpr int kMaxFacets = 50;
inline constexpr int kMaxContextPositions = 10;
inline constexpr size_t kMaxNote = 1000;

// The statement `truster` may store: truster set, tags normalised, default
// visibility applied, output-only fields cleared. INVALID_ARGUMENT naming
// each bad field under "statement.".
absl::StatusOr<v1::TrustStatement> NormalizeStatement(const v1::TrustStatement& input,
                                                      const std::string& truster);

// Every position id the statement names (context positions and FUNCTION
// facets), without repeats.
std::vector<std::string> NamedPositions(const v1::TrustStatement& statement);

// Context positions must belong to the truster or the trustee, FUNCTION
// facets to the trustee. `found` holds the named positions that exist.
absl::Status CheckPositionOwnership(const v1::TrustStatement& statement,
                                    const std::vector<identity::v1::Position>& found);

// The statement's competency and quality facets as tags of identity's
// vocabulary (identity normalises them the same way we do).
std::vector<identity::v1::Tag> VocabularyTags(const v1::TrustStatement& statement);

}  // namespace trustsphere::relationships
