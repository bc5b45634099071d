#pragma once

// A server's /metrics, read as a test would: the text exposition format
// parsed strictly (a failure of the calling test for any line out of it).

#include <map>
#include <string>

#include "tests/support/server_process.h"

namespace trustsphere::testing {

// "name{labels}" -> value for every sample; every family must be announced
// by its # TYPE line first.
std::map<std::string, double> ParseExposition(const std::string& text);

// The samples a server's /metrics serves now.
std::map<std::string, double> Scrape(const ServerProcess& server);

}  // namespace trustsphere::testing
