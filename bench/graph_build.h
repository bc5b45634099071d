#pragma once

// The trust graph measured in process, without gRPC: a synthetic network
// written straight into a relationships RocksDB store, then the time to
// reopen it and build the graph, the graph's memory, and what its queries
// cost per call. `trustsphere_bench graph`; see bench/README.md.

#include <string>

#include "bench/synthetic_network.h"
#include "nlohmann/json.hpp"

namespace trustsphere::bench {

// Writes `network` into a new store at `folder` (unless it holds one
// already), then measures. Figures as JSON; an error message on failure.
nlohmann::json MeasureGraph(const SyntheticNetwork& network, const std::string& folder);

}  // namespace trustsphere::bench
