#include "tests/support/metrics_scrape.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <cstring>
#include <regex>
#include <set>
#include <sstream>

namespace trustsphere::testing {

// Parses the text exposition format strictly: every sample line is
// `name{labels} value`, every family is announced by # TYPE first.
std::map<std::string, double> ParseExposition(const std::string& text) {
  static const std::regex kSample(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$)");
  std::map<std::string, double> samples;
  std::set<std::string> typed;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("# TYPE ", 0) == 0) {
      typed.insert(line.substr(7, line.find(' ', 7) - 7));
      continue;
    }
    if (line.rfind("#", 0) == 0) continue;
    std::smatch match;
    EXPECT_TRUE(std::regex_match(line, match, kSample)) << line;
    if (match.empty()) continue;
    std::string family = match[1];
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      if (!typed.count(family) && family.size() > strlen(suffix) &&
          family.compare(family.size() - strlen(suffix), strlen(suffix), suffix) == 0) {
        family.resize(family.size() - strlen(suffix));
      }
    }
    EXPECT_TRUE(typed.count(family)) << "no # TYPE before " << line;
    samples[std::string(match[1]) + std::string(match[2])] = std::stod(match[3]);
  }
  return samples;
}

// The samples a server's /metrics serves now.
std::map<std::string, double> Scrape(const ServerProcess& server) {
  const std::string& address = server.metrics_address();
  httplib::Client client(address.substr(0, address.rfind(':')),
                         std::stoi(address.substr(address.rfind(':') + 1)));
  auto response = client.Get("/metrics");
  if (!response || response->status != 200) {
    ADD_FAILURE() << "cannot scrape " << address;
    return {};
  }
  return ParseExposition(response->body);
}

}  // namespace trustsphere::testing
