#pragma once

#include "trustsphere/admin/v1/admin.pb.h"

namespace trustsphere {

// What this binary was built from, for `service`.
admin::v1::BuildInfo CurrentBuildInfo(const std::string& service);

}  // namespace trustsphere
