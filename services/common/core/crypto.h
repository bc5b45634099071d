#pragma once

// Random ids and tokens, hashing and byte encodings, all over libsodium.

#include <string>

#include "absl/strings/string_view.h"

namespace trustsphere {

// Initialises libsodium once (thread-safe); every function here calls it.
void EnsureSodium();

// A new random id: prefix + 26 lowercase base32 characters (128 bits from
// the OS's CSPRNG), so ids are unguessable and never collide.
std::string NewId(absl::string_view prefix);

// A random base64url string of `bytes` random bytes (tokens, etags).
std::string RandomToken(size_t bytes);

// A new etag (AIP-154): random, so it changes on every write and never
// repeats an earlier value of the same resource.
inline std::string NewEtag() { return RandomToken(9); }

// Lowercase hex of bytes.
std::string HexEncode(absl::string_view bytes);

// URL-safe base64 without padding, and back (nullopt-like "" + false on
// malformed input).
std::string Base64UrlEncode(absl::string_view bytes);
bool Base64UrlDecode(absl::string_view text, std::string* bytes);

// SHA-256 of data (32 raw bytes).
std::string Sha256(absl::string_view data);

// Whether a and b are the same bytes, in a time that depends on their
// length only (secrets' hashes, compared without telling how much matched).
bool SameBytes(absl::string_view a, absl::string_view b);

}  // namespace trustsphere
