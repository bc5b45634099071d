#pragma once

// The fingerprint of a create request for request_id idempotency (AIP-155):
// SHA-256 of its deterministic serialization with request_id cleared, so the
// same content retried gives the same fingerprint.

#include <string>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "services/common/core/crypto.h"

namespace trustsphere {

template <typename Request>
std::string RequestFingerprint(Request request) {
  request.clear_request_id();
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    request.SerializeToCodedStream(&coded);
  }
  return Sha256(bytes);
}

}  // namespace trustsphere
