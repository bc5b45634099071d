#pragma once

// The database layout shared by crash_test and its writer process.

#include <string>

#include "storage/engine.h"

namespace trustsphere::storage::crash_test {

inline constexpr Family kRecords = 0;
inline constexpr Family kIndex = 1;
inline constexpr Family kChanges = 2;
inline constexpr int kWriterThreads = 4;

inline EngineOptions Options(const std::string& path) {
  EngineOptions options;
  options.path = path;
  options.families = {"records", "index", "changes"};
  options.change_log = kChanges;
  return options;
}

inline std::string ValueFor(const std::string& key) { return "value-of-" + key; }

}  // namespace trustsphere::storage::crash_test
