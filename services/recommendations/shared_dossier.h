#pragma once

// What a recruiter reads besides the recommendations themselves, so that a
// dossier stands on its own for a reader with only the share token: the
// subject and each author by name and headline, how each author knows the
// subject (roles, positions, since when), every facet spelt for a reader,
// the positions a recommendation speaks of, and its signed export.
//
// Everything is read at read time (a renamed person shows their new name)
// in a few batched calls to identity, however many recommendations the
// share holds. Nothing of an author's statement reaches the dossier beyond
// its roles, context positions and creation time: not its note, not the
// rest of its sphere.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/auth/signing_key.h"
#include "services/common/downstream/identity_directory.h"
#include "services/recommendations/signed_letter_cache.h"
#include "trustsphere/recommendations/v1/recommendations.pb.h"
#include "trustsphere/relationships/v1/relationships.pb.h"

namespace trustsphere::recommendations {

// A recommendation that passed the dossier's checks (published, every
// facet inside), with its author's active statement about the subject.
struct ConfirmedRecommendation {
  v1::Recommendation recommendation;
  relationships::v1::TrustStatement statement;
};

// What the dossier shows.
struct DossierContents {
  v1::DossierPerson subject;
  // In the order given; those of deleted authors left out.
  std::vector<v1::DossierRecommendation> entries;
};

// The contents for `subject_id`'s recommendations, their signed exports
// not yet made. NOT_FOUND when the subject was deleted (their dossier ends
// with them); UNAVAILABLE when identity cannot answer, and then nothing is
// shown.
absl::StatusOr<DossierContents> ReadDossierContents(IdentityDirectory& identity,
                                                    const std::string& subject_id,
                                                    std::vector<ConfirmedRecommendation> confirmed,
                                                    absl::Time deadline);

// The signed export of each of the dossier's entries, in order, with the
// names the dossier shows, signed with `key` at `now` or taken from
// `letters`. Reads `dossier` only, so it may run while the read is being
// logged.
std::vector<std::string> SignedExports(const v1::Dossier& dossier, const SigningKeyPair& key,
                                       absl::Time now, SignedLetterCache& letters);

}  // namespace trustsphere::recommendations
