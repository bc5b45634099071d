#pragma once

// The shares GetSharedDossier reads in the benchmark: each subject's
// dossier holds `per_share` recommendations, each by another of the
// subject's references, written, published and shared through the
// ordinary RPCs their users call (the dossier's cost grows with what it
// holds: the target is 20).

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/person_tokens.h"
#include "bench/synthetic_network.h"
#include "bench/workload.h"

namespace trustsphere::bench {

// For `subjects` people with at least `per_share` references vouching for
// something: one recommendation by each of `per_share` of them (up to
// three facets of their own statement), published and shared. Returns the
// share tokens; fewer than `subjects` when the network has fewer such
// people.
absl::StatusOr<std::vector<std::string>> SeedDossierShares(const SyntheticNetwork& network,
                                                           const Endpoints& endpoints,
                                                           PersonTokens& tokens, int subjects,
                                                           int per_share);

}  // namespace trustsphere::bench
