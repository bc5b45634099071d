#pragma once

// Rules of a trust statement's content, for PutTrust and ImportTrust alike.
// What can be checked locally is checked by NormalizeStatement; what needs
// identity (who exists, who owns the positions named) by
// ConfirmWithIdentity.

#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/core/errors.h"
#include "services/common/core/facet.h"
#include "services/common/downstream/identity_directory.h"
#include "services/relationships/identity_facts.h"
#include "trustsphere/identity/v1/identity.pb.h"
#include "trustsphere/relationships/v1/relationships.pb.h"

namespace trustsphere::relationships {

inline constexpr int kMaxFacets = 50;
inline constexpr int kMaxContextPositions = 10;
inline constexpr size_t kMaxNote = 1000;

// The statement `truster` may store: truster set, tags normalised, default
// visibility applied, output-only fields cleared. INVALID_ARGUMENT naming
// each bad field under `field_prefix` ("statement", "statements[3]").
absl::StatusOr<v1::TrustStatement> NormalizeStatement(
    const v1::TrustStatement& input, const std::string& truster,
    const std::string& field_prefix = "statement");

// Every position id the statement names (context positions and FUNCTION
// facets), without repeats.
std::vector<std::string> NamedPositions(const v1::TrustStatement& statement);

// Confirms with what identity says (remembered by `facts`, or asked in a
// few batched calls) that each statement's truster and trustee exist and
// are not deleted (NOT_FOUND), that its context positions belong to one of
// them and its FUNCTION facets to the trustee (INVALID_ARGUMENT). Errors name statement i's fields
// under `field(i)` ("statement", "statements[3]").
absl::Status ConfirmWithIdentity(IdentityFacts& facts,
                                 const std::vector<v1::TrustStatement>& statements,
                                 absl::FunctionRef<std::string(size_t)> field, absl::Time deadline);

// The statement's competency and quality facets as tags of identity's
// vocabulary, spelt as in `statement`: identity normalises the keys the same
// way we do and keeps the first spelling it records for display, so pass
// the statement as its truster wrote it.
std::vector<identity::v1::Tag> VocabularyTags(const v1::TrustStatement& statement);

}  // namespace trustsphere::relationships
