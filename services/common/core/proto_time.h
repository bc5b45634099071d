#pragma once

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace trustsphere {

inline google::protobuf::Timestamp ToProto(absl::Time time) {
  google::protobuf::Timestamp proto;
  int64_t seconds = absl::ToUnixSeconds(time);
  proto.set_seconds(seconds);
  proto.set_nanos(
      static_cast<int32_t>(absl::ToInt64Nanoseconds(time - absl::FromUnixSeconds(seconds))));
  return proto;
}

inline absl::Time FromProto(const google::protobuf::Timestamp& proto) {
  return absl::FromUnixSeconds(proto.seconds()) + absl::Nanoseconds(proto.nanos());
}

// Microseconds since the epoch: the unit of every store's timelines.
inline int64_t UnixMicros(const google::protobuf::Timestamp& proto) {
  return proto.seconds() * 1000000 + proto.nanos() / 1000;
}

}  // namespace trustsphere
