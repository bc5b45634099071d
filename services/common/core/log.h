#pragma once

// Structured logs: one JSON object per line on standard error, so log
// collectors parse them without patterns.
//   {"ts":"2026-11-26T12:00:00.123Z","level":"info","msg":"listening","addr":"127.0.0.1:50051"}

#include <initializer_list>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"

namespace trustsphere {

enum class LogLevel { kInfo, kWarning, kError };

using LogField = std::pair<absl::string_view, std::string>;

void Log(LogLevel level, absl::string_view message, std::initializer_list<LogField> fields = {});

// Field values are strings; this spares call sites the conversions.
template <typename T>
LogField F(absl::string_view key, const T& value) {
  if constexpr (std::is_arithmetic_v<T>) {
    return {key, std::to_string(value)};
  } else {
    return {key, std::string(value)};
  }
}

}  // namespace trustsphere
