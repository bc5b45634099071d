#pragma once

// Small values kept by name in a table of (name bytea PRIMARY KEY, value
// bytea NOT NULL): a service's secrets, markers beside the data.

#include <string>

#include "absl/status/statusor.h"
#include "storage/postgres/pg_pool.h"

namespace trustsphere::storage::postgres {

// The value under `name`, which becomes `fresh` if it had none: of two
// first keepers on any replicas, the first insert wins for both.
absl::StatusOr<std::string> KeepFirstValue(PgPool& pool, const std::string& table,
                                           const std::string& name, const std::string& fresh);
// The value under `name`, "" when absent.
absl::StatusOr<std::string> NamedValue(PgPool& pool, const std::string& table,
                                       const std::string& name);
// Sets the value, or removes it when `value` is empty.
absl::Status SetNamedValue(PgPool& pool, const std::string& table, const std::string& name,
                           const std::string& value);

}  // namespace trustsphere::storage::postgres
