// The diagnosis of requests that fail to parse: any bytes read as a
// PutTrustRequest (nested messages, repeated fields, strings) give
// INVALID_ARGUMENT, and when it names a field that is not valid UTF-8,
// protobuf itself must refuse the bytes.

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "services/common/core/errors.h"
#include "services/common/server/request_parsing.h"
#include "trustsphere/relationships/v1/relationships.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace v1 = trustsphere::relationships::v1;
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  const absl::Status diagnosis =
      trustsphere::DescribeUnparsableRequest(bytes, *v1::PutTrustRequest::descriptor());
  if (!absl::IsInvalidArgument(diagnosis)) __builtin_trap();
  if (!trustsphere::FieldViolationsOf(diagnosis).empty()) {
    v1::PutTrustRequest parsed;
    if (parsed.ParseFromArray(data, static_cast<int>(size))) __builtin_trap();
  }
  return 0;
}
