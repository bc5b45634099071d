#include "services/common/auth/service_token.h"

#include <sys/stat.h>

#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace trustsphere {

absl::StatusOr<std::string> ServiceToken::Get() {
  struct stat info;
  if (stat(path_.c_str(), &info) != 0) {
    return absl::UnavailableError(absl::StrCat("no service token file at ", path_));
  }
  const int64_t mtime_ns = int64_t{info.st_mtim.tv_sec} * 1000000000 + info.st_mtim.tv_nsec;
  absl::MutexLock lock(&mu_);
  if (mtime_ns != loaded_mtime_ns_) {
    std::ifstream in(path_);
    std::string token;
    std::getline(in, token);
    token = std::string(absl::StripAsciiWhitespace(token));
    if (token.empty()) return absl::UnavailableError(absl::StrCat(path_, " holds no token"));
    token_ = std::move(token);
    loaded_mtime_ns_ = mtime_ns;
  }
  return token_;
}

}  // namespace trustsphere
