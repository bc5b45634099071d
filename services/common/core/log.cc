#include "services/common/core/log.h"

#include <cstdio>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace trustsphere {

void Log(LogLevel level, absl::string_view message, std::initializer_list<LogField> fields) {
  nlohmann::ordered_json line;
  line["ts"] = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  line["level"] = level == LogLevel::kInfo      ? "info"
                  : level == LogLevel::kWarning ? "warning"
                                                : "error";
  line["msg"] = std::string(message);
  for (const auto& [key, value] : fields) line[std::string(key)] = value;
  // Invalid UTF-8 from a client is replaced, never allowed to break a line.
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  text.push_back('\n');
  // One fwrite per line: lines from concurrent threads do not interleave.
  std::fwrite(text.data(), 1, text.size(), stderr);
}

}  // namespace trustsphere
