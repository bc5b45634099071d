#pragma once

// The access token a service presents to the services it calls. Minted by an
// operator (trustsphere_admin mint-token --role=service) into a file, mounted
// from a Secret in production; the file is read again when it changes, so a
// rotated token is picked up without a restart.

#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace trustsphere {

class ServiceToken {
 public:
  explicit ServiceToken(std::string path) : path_(std::move(path)) {}

  // The current token; UNAVAILABLE when the file cannot be read.
  absl::StatusOr<std::string> Get();

 private:
  const std::string path_;
  absl::Mutex mu_;
  std::string token_ ABSL_GUARDED_BY(mu_);
  int64_t loaded_mtime_ns_ ABSL_GUARDED_BY(mu_) = -1;
};

}  // namespace trustsphere
