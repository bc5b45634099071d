#include "services/common/core/text.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include "absl/strings/ascii.h"

namespace trustsphere {
namespace {

// Characters a name never shows: default-ignorable code points, except
// those scripts and emoji need (joiners, variation selectors) and the
// bidirectional controls, which are refused rather than dropped.
bool IsInvisibleInName(UChar32 c) {
  if (!u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT)) return false;
  if (c == 0x200C || c == 0x200D) return false;
  if (u_hasBinaryProperty(c, UCHAR_VARIATION_SELECTOR)) return false;
  return !u_hasBinaryProperty(c, UCHAR_BIDI_CONTROL);
}

// Collapses whitespace runs (any Unicode space) to single spaces and drops
// what a name never shows; for a key (`fold`), also combining marks of an
// NFKD string and every default-ignorable code point, then folds case.
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
    if (IsInvisibleInName(c)) continue;
    if (fold && (u_charType(c) == U_NON_SPACING_MARK ||
                 u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT))) {
      continue;
    }
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

// Whether `found` holds for any code point of UTF-8 `text` (a malformed
// sequence reads as a negative one).
template <typename Predicate>
bool AnyCodePoint(absl::string_view text, Predicate found) {
  int32_t i = 0;
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const auto length = static_cast<int32_t>(text.size());
  while (i < length) {
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    if (found(c)) return true;
  }
  return false;
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
  return !AnyCodePoint(text, [](UChar32 c) { return c < 0; });
}

size_t CodePointCount(absl::string_view text) {
  size_t count = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++count;
  }
  return count;
}

bool HasBidiControl(absl::string_view text, bool marks) {
  return AnyCodePoint(text, [marks](UChar32 c) {
    if (c < 0 || !u_hasBinaryProperty(c, UCHAR_BIDI_CONTROL)) return false;
    // The marks (LRM, RLM, ALM) reorder nothing by themselves.
    return marks || !(c == 0x200E || c == 0x200F || c == 0x061C);
  });
}

std::string CanonicalEmail(absl::string_view email) {
  if (!IsValidUtf8(email)) return "";
  UErrorCode error = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc = icu::Normalizer2::getNFKCInstance(error);
  if (U_FAILURE(error)) return "";
  icu::UnicodeString composed =
      nfkc->normalize(icu::UnicodeString::fromUTF8(
                          icu::StringPiece(email.data(), static_cast<int32_t>(email.size()))),
                      error);
  if (U_FAILURE(error)) return "";
  std::string trimmed(absl::StripAsciiWhitespace(ToUtf8(composed)));
  if (trimmed.empty() || trimmed.size() > 254) return "";
  // ASCII letters, digits and punctuation only: no space, control or
  // anything beyond ASCII (an invisible character included).
  for (unsigned char c : trimmed) {
    if (c <= 0x20 || c >= 0x7F) return "";
  }
  size_t at = trimmed.find('@');
  if (at == std::string::npos || at == 0 || trimmed.find('@', at + 1) != std::string::npos) {
    return "";
  }
  std::string_view domain = std::string_view(trimmed).substr(at + 1);
  if (domain.size() < 3 || domain.find('.') == std::string::npos || domain.front() == '.' ||
      domain.back() == '.') {
    return "";
  }
  return trimmed;
}

std::string LegacyEmailKey(absl::string_view email) {
  std::string trimmed(absl::StripAsciiWhitespace(email));
  if (trimmed.empty() || trimmed.size() > 254 || !IsValidUtf8(trimmed)) return "";
  const size_t at = trimmed.find('@');
  if (at == std::string::npos || at == 0 || trimmed.find('@', at + 1) != std::string::npos) {
    return "";
  }
  for (unsigned char c : trimmed) {
    if (c <= 0x20 || c == 0x7F) return "";
  }
  icu::UnicodeString unicode = icu::UnicodeString::fromUTF8(trimmed);
  unicode.foldCase(U_FOLD_CASE_DEFAULT);
  return ToUtf8(unicode);
}

std::string NormalizeEmail(absl::string_view email) {
  // Local parts are case-sensitive in theory and never in practice; treating
  // them case-insensitively is what prevents duplicate accounts.
  return absl::AsciiStrToLower(CanonicalEmail(email));
}

}  // namespace trustsphere
