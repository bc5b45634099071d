#include "services/common/core/validation.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/core/text.h"

namespace trustsphere {

void CheckText(FieldErrors& errors, absl::string_view field, absl::string_view value,
               size_t min_chars, size_t max_chars, Lines lines) {
  if (!IsValidUtf8(value)) {
    errors.Add(field, "must be valid UTF-8");
    return;
  }
  for (unsigned char c : value) {
    bool allowed_control = lines == Lines::kMulti && (c == '\n' || c == '\t' || c == '\r');
    if ((c < 0x20 || c == 0x7F) && !allowed_control) {
      errors.Add(field, "must not contain control characters");
      return;
    }
  }
  // Reordering controls can make a name or a letter read differently from
  // what is stored (U+202E turns "gpj.exe" around); one-line texts refuse
  // the invisible direction marks too.
  if (HasBidiControl(value, /*marks=*/lines == Lines::kSingle)) {
    errors.Add(field, "must not contain bidirectional control characters");
    return;
  }
  size_t chars = CodePointCount(value);
  if (chars < min_chars) {
    errors.Add(field,
               min_chars == 1 ? "required" : absl::StrCat("at least ", min_chars, " characters"));
  } else if (chars > max_chars) {
    errors.Add(field, absl::StrCat("at most ", max_chars, " characters"));
  }
}

void CheckId(FieldErrors& errors, absl::string_view field, absl::string_view value) {
  if (value.empty()) {
    errors.Add(field, "required");
    return;
  }
  if (value.size() > kMaxIdBytes) {
    errors.Add(field, absl::StrCat("at most ", kMaxIdBytes, " bytes"));
    return;
  }
  for (char c : value) {
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) {
      errors.Add(field, "not a valid id");
      return;
    }
  }
}

void CheckRequestId(FieldErrors& errors, absl::string_view field, absl::string_view value) {
  if (value.size() > kMaxIdBytes) {
    errors.Add(field, absl::StrCat("at most ", kMaxIdBytes, " characters"));
    return;
  }
  for (unsigned char c : value) {
    if (c < 0x21 || c > 0x7E) {
      errors.Add(field, "must be printable ASCII");
      return;
    }
  }
}

void CheckEtag(FieldErrors& errors, absl::string_view field, absl::string_view value) {
  if (value.empty()) {
    errors.Add(field, "required: send the etag of the version you read");
  } else if (value.size() > kMaxIdBytes) {
    errors.Add(field, "not an etag of this service");
  }
}

}  // namespace trustsphere
