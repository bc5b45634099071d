#pragma once

// Text rules shared by every service, so that identity and relationships
// normalise organisations and tags identically.

#include <string>

#include "absl/strings/string_view.h"

namespace trustsphere {

// The matching key of a free-text name: Unicode compatibility decomposition,
// combining marks removed, full case folding, whitespace runs collapsed to one
// space, trimmed. "Société Générale", "societe generale " and
// "SOCIÉTÉ GÉNÉRALE" all give "societe generale". Input must be valid UTF-8.
std::string NormalizeKey(absl::string_view text);

// Trims Unicode whitespace at both ends and collapses inner runs to a space.
std::string CollapseSpaces(absl::string_view text);

bool IsValidUtf8(absl::string_view text);

// Number of Unicode code points (the unit of every text limit we document).
size_t CodePointCount(absl::string_view text);

// A lower-cased, trimmed email, or "" when it is not a plausible address
// (one '@', non-empty local part and domain with a dot, no whitespace or
// control characters, at most 254 bytes).
std::string NormalizeEmail(absl::string_view email);

}  // namespace trustsphere
