#pragma once

// scripts/verify_recommendation.sh run as a recruiter would, for the tests
// that check signed letters offline. Their targets define VERIFY_SCRIPT.

#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <string>

#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace trustsphere::testing {

// Standard base64, as JSON clients print the published key.
inline std::string Base64(const std::string& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const size_t n = std::min<size_t>(3, bytes.size() - i);
    uint32_t chunk = 0;
    for (size_t j = 0; j < 3; ++j) {
      chunk = (chunk << 8) | (j < n ? static_cast<uint8_t>(bytes[i + j]) : 0);
    }
    for (size_t j = 0; j < 4; ++j) {
      out.push_back(j <= n ? kAlphabet[(chunk >> (18 - 6 * j)) & 63] : '=');
    }
  }
  return out;
}

// The payload line the script prints when it accepts `jws` under the raw
// Ed25519 public `key`; nullopt when it refuses it.
inline std::optional<std::string> VerifyOffline(const TempDir& dir, const std::string& jws,
                                                const std::string& key) {
  std::ofstream(dir.Sub("letter.jws")) << jws;
  ChildProcess script({"/bin/bash", VERIFY_SCRIPT, dir.Sub("letter.jws"), Base64(key)});
  std::optional<std::string> printed = script.ReadLine(std::chrono::seconds(30));
  auto status = script.Wait(std::chrono::seconds(30));
  if (!status.has_value() || !WIFEXITED(*status) || WEXITSTATUS(*status) != 0) return std::nullopt;
  return printed;
}

}  // namespace trustsphere::testing
