#include "services/common/text.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include "absl/strings/ascii.h"

namespace trustsphere {
namespace {

// Removes combining marks and folds case on an NFKD string, collapsing
// whitespace runs (any Unicode space) to single spaces.
icu::UnicodeString FoldAndCollapse(const icu::UnicodeString& decomposed, bool fold) {
  icu::UnicodeString out;
  bool pending_space = false;
  for (int32_t i = 0; i < decomposed.length();) {
    UChar32 c = decomposed.char32At(i);
    i += U16_LENGTH(c);
    if (u_isUWhiteSpace(c)) {
      pending_space = !out.isEmpty();
      continue;
    }
    if (fold && u_charType(c) == U_NON_SPACING_MARK) continue;
    if (pending_space) out.append(static_cast<UChar>(' '));
    pending_space = false;
    out.append(c);
  }
  if (fold) out.foldCase(U_FOLD_CASE_DEFAULT);
  return out;
}

std::string ToUtf8(const icu::UnicodeString& text) {
  std::string out;
  text.toUTF8String(out);
  return out;
}

}  // namespace

std::string NormalizeKey(absl::string_view text) {
  UErrorCode error = U_ZERO_ERROR;
  const icu::Normalizer2* nfkd = icu::Normalizer2::getNFKDInstance(error);
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(error);
  if (U_FAILURE(error)) return std::string(text);
  icu::UnicodeString source = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  icu::UnicodeString decomposed = nfkd->normalize(source, error);
  icu::UnicodeString folded = FoldAndCollapse(decomposed, /*fold=*/true);
  // Folding may produce new decomposable sequences; compose for a stable key.
  icu::UnicodeString composed = nfc->normalize(folded, error);
  if (U_FAILURE(error)) return std::string(text);
  return ToUtf8(composed);
}

std::string CollapseSpaces(absl::string_view text) {
  icu::UnicodeString source = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  return ToUtf8(FoldAndCollapse(source, /*fold=*/false));
}

bool IsValidUtf8(absl::string_view text) {
  int32_t i = 0;
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const auto length = static_cast<int32_t>(text.size());
  while (i < length) {
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    if (c < 0) return false;
  }
  return true;
}

size_t CodePointCount(absl::string_view text) {
  size_t count = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++count;
  }
  return count;
}

std::string NormalizeEmail(absl::string_view email) {
  std::string trimmed(absl::StripAsciiWhitespace(email));
  if (trimmed.empty() || trimmed.size() > 254 || !IsValidUtf8(trimmed)) return "";
  size_t at = trimmed.find('@');
  if (at == std::string::npos || at == 0 || trimmed.find('@', at + 1) != std::string::npos) {
    return "";
  }
  std::string domain = trimmed.substr(at + 1);
  if (domain.size() < 3 || domain.find('.') == std::string::npos || domain.front() == '.' ||
      domain.back() == '.') {
    return "";
  }
  for (unsigned char c : trimmed) {
    if (c <= 0x20 || c == 0x7F) return "";
  }
  // Local parts are case-sensitive in theory and never in practice; treating
  // them case-insensitively is what prevents duplicate accounts.
  icu::UnicodeString unicode = icu::UnicodeString::fromUTF8(trimmed);
  unicode.foldCase(U_FOLD_CASE_DEFAULT);
  return ToUtf8(unicode);
}

}  // namespace trustsphere
