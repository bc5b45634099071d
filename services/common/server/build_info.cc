#include "services/common/server/build_info.h"

#include "grpcpp/grpcpp.h"
#include "rocksdb/version.h"

namespace trustsphere {

admin::v1::BuildInfo CurrentBuildInfo(const std::string& service) {
  admin::v1::BuildInfo info;
  info.set_service(service);
  info.set_version(TRUSTSPHERE_VERSION);
  info.set_git_commit(TRUSTSPHERE_GIT_COMMIT);
  info.set_build_type(TRUSTSPHERE_BUILD_TYPE);
  info.set_rocksdb_version(std::to_string(ROCKSDB_MAJOR) + "." + std::to_string(ROCKSDB_MINOR) +
                           "." + std::to_string(ROCKSDB_PATCH));
  info.set_grpc_version(grpc::Version());
  return info;
}

}  // namespace trustsphere
