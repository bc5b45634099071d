// KeyReader over arbitrary bytes: every read either fails or consumes what
// KeyBuilder would have written for the value read, so re-encoding the
// values read gives back the bytes consumed.

#include <cstddef>
#include <cstdint>
#include <string>

#include "storage/key_encoding.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte chooses the sequence of fields to read.
  const uint8_t plan = data[0];
  std::string_view key(reinterpret_cast<const char*>(data + 1), size - 1);
  trustsphere::storage::KeyReader reader(key);
  trustsphere::storage::KeyBuilder rebuilt;
  bool complete = true;
  for (int field = 0; field < 4 && complete; ++field) {
    switch ((plan >> (2 * field)) & 3) {
      case 0: {
        uint8_t value;
        complete = reader.U8(&value);
        if (complete) rebuilt.U8(value);
        break;
      }
      case 1: {
        uint32_t value;
        complete = reader.U32(&value);
        if (complete) rebuilt.U32(value);
        break;
      }
      case 2: {
        uint64_t value;
        complete = reader.U64(&value);
        if (complete) rebuilt.U64(value);
        break;
      }
      case 3: {
        std::string value;
        complete = reader.Str(&value);
        if (complete) rebuilt.Str(value);
        break;
      }
    }
  }
  if (complete) {
    std::string tail;
    reader.Tail(&tail);
    rebuilt.Tail(tail);
    if (!reader.AtEnd() || rebuilt.key() != key) __builtin_trap();
  }
  // The successor of a prefix sorts after every key that starts with it.
  const std::string successor = trustsphere::storage::PrefixSuccessor(key);
  if (!successor.empty() && !(std::string(key) < successor)) __builtin_trap();
  return 0;
}
