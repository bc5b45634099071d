#pragma once

// Checks every service applies to request fields. Each adds a violation
// naming the field to `errors` and never stops at the first problem.

#include <string>

#include "absl/strings/string_view.h"
#include "services/common/core/errors.h"

namespace trustsphere {

enum class Lines { kSingle, kMulti };

// Valid UTF-8, no control characters (newlines and tabs allowed for
// kMulti), no bidirectional controls (embeddings, overrides and isolates;
// for kSingle also the direction marks), between min and max code points.
void CheckText(FieldErrors& errors, absl::string_view field, absl::string_view value,
               size_t min_chars, size_t max_chars, Lines lines = Lines::kSingle);

// An opaque id: required, at most 64 bytes of [A-Za-z0-9_-].
void CheckId(FieldErrors& errors, absl::string_view field, absl::string_view value);

// Optional idempotency key: at most 64 printable ASCII characters.
void CheckRequestId(FieldErrors& errors, absl::string_view field, absl::string_view value);

// An etag sent back by the client: required, at most 64 bytes.
void CheckEtag(FieldErrors& errors, absl::string_view field, absl::string_view value);

inline constexpr size_t kMaxIdBytes = 64;

}  // namespace trustsphere
