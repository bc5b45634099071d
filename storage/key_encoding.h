#pragma once

// Order-preserving key encoding shared by every service's key layout.
//
// Integers are big-endian so that byte order is numeric order. Strings that
// are not the last part of a key are length-prefixed (u16, big-endian), so a
// prefix made of complete parts never matches a longer value by accident
// ("ab" never matches "abc"). The last part of a key may be a raw tail, which
// keeps lexicographic order for prefix searches on text.

#include <cstdint>
#include <string>
#include <string_view>

namespace trustsphere::storage {

// The longest string a length-prefixed part may hold.
inline constexpr size_t kMaxKeyPartBytes = 0xFFFF;

class KeyBuilder {
 public:
  KeyBuilder& U8(uint8_t value);
  KeyBuilder& U32(uint32_t value);
  KeyBuilder& U64(uint64_t value);
  // Length-prefixed string. Callers validate lengths before building keys;
  // a longer string is truncated to kMaxKeyPartBytes (never reached in
  // practice because every input field has a smaller limit).
  KeyBuilder& Str(std::string_view value);
  // Raw bytes with no prefix: only as the last part of a key.
  KeyBuilder& Tail(std::string_view value);

  const std::string& key() const { return key_; }
  std::string Build() const { return key_; }

 private:
  std::string key_;
};

// Reads parts back in the order they were built. Every method returns false
// (and leaves the reader unusable) when the key is shorter than expected.
class KeyReader {
 public:
  explicit KeyReader(std::string_view key) : rest_(key) {}

  bool U8(uint8_t* value);
  bool U32(uint32_t* value);
  bool U64(uint64_t* value);
  bool Str(std::string* value);
  // Everything left.
  void Tail(std::string* value);
  bool AtEnd() const { return rest_.empty(); }

 private:
  std::string_view rest_;
};

// The smallest key greater than every key starting with `prefix`, or "" when
// none exists (prefix of only 0xFF bytes): the exclusive upper bound of a
// prefix scan.
std::string PrefixSuccessor(std::string_view prefix);

}  // namespace trustsphere::storage
