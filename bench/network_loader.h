#pragma once

// Loads a synthetic network into running servers the way an operator would
// migrate one: people through identity's ImportPersons, statements through
// relationships' ImportTrust (several streams at once), then a few
// recommendations and shares through the ordinary RPCs their users call.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/synthetic_network.h"
#include "bench/workload.h"

namespace trustsphere::bench {

struct ImportFigures {
  int64_t persons = 0;
  int64_t positions = 0;
  int64_t statements = 0;
  double persons_seconds = 0;
  double statements_seconds = 0;
};

absl::StatusOr<ImportFigures> ImportNetwork(const SyntheticNetwork& network,
                                            const Endpoints& endpoints,
                                            const std::string& operator_token, int streams);

}  // namespace trustsphere::bench
