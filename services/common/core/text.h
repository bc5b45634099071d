#pragma once

// Text rules shared by every service, so that identity and relationships
// normalise organisations and tags identically.

#include <string>

#include "absl/strings/string_view.h"

namespace trustsphere {

// The matching key of a free-text name: Unicode compatibility decomposition,
// combining marks and default-ignorable code points (zero-width spaces and
// joiners, soft hyphens, bidirectional controls) removed, full case folding,
// whitespace runs collapsed to one space, trimmed. "Société Générale",
// "societe generale ", "SOCIÉTÉ GÉNÉRALE" and "Soci\u200Bété Générale" all
// give "societe generale". Input must be valid UTF-8.
std::string NormalizeKey(absl::string_view text);

// The form a name is shown in: Unicode whitespace trimmed at both ends and
// inner runs collapsed to a space; invisible characters that carry nothing
// in a name (zero-width space, soft hyphen, word joiner, byte-order mark)
// removed. Joiners and variation selectors stay (scripts and emoji need
// them), and so do bidirectional controls, which CheckText refuses.
std::string CollapseSpaces(absl::string_view text);

bool IsValidUtf8(absl::string_view text);

// Number of Unicode code points (the unit of every text limit we document).
size_t CodePointCount(absl::string_view text);

// Whether the text holds a bidirectional formatting control: an embedding,
// override or isolate (U+202A..U+202E, U+2066..U+2069), or with marks also
// U+200E, U+200F, U+061C. Such characters reorder what a reader sees.
bool HasBidiControl(absl::string_view text, bool marks);

// An email as stored and shown: trimmed, NFKC (fullwidth and other
// compatibility forms become ASCII), case kept; "" when it is not a
// plausible address. Addresses are ASCII only: an internationalised local
// part or domain (or any invisible character) is refused rather than
// compared in a form another system may not share. One '@', a non-empty
// local part, a domain with a dot, no whitespace or control characters, at
// most 254 bytes.
std::string CanonicalEmail(absl::string_view email);

// The matching key of an email: CanonicalEmail lower-cased; "" when invalid.
std::string NormalizeEmail(absl::string_view email);

// The key an address had before addresses were ASCII only (trimmed, case
// folded, any Unicode kept), so that accounts made then still sign in; ""
// when it was not a plausible address either.
std::string LegacyEmailKey(absl::string_view email);

}  // namespace trustsphere
