// Page tokens come from clients: decoding arbitrary bytes must refuse or
// return a cursor, and a cursor decoded from a token encodes back to a token
// that decodes to the same cursor. A token is only good for its own query.

#include <cstddef>
#include <cstdint>
#include <string>

#include "services/common/core/page_token.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const trustsphere::PageTokenCodec codec(std::string(32, 'k'));
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::string query = "ListTrusted\nprs_fuzz\nprs_fuzz";
  auto cursor = codec.Decode(query, input);
  if (!cursor.ok()) return 0;
  auto again = codec.Decode(query, codec.Encode(query, *cursor));
  if (!again.ok() || *again != *cursor) __builtin_trap();
  if (!cursor->empty() && codec.Decode("another query", input).ok()) __builtin_trap();
  return 0;
}
