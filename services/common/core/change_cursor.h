#pragma once

// The cursors of the services' change logs (WatchTrustChanges,
// ListIdentityChanges): a change sequence in decimal, "" for the start.

#include <cstdint>
#include <string>

#include "absl/strings/numbers.h"

namespace trustsphere {

// false when `cursor` is not one.
inline bool ParseChangeCursor(const std::string& cursor, uint64_t* sequence) {
  if (cursor.empty()) {
    *sequence = 0;
    return true;
  }
  return cursor.size() <= 20 && absl::SimpleAtoi(cursor, sequence);
}

}  // namespace trustsphere
