#pragma once

// A Leadership kept in a table of the database (name, holder, expiry), so
// that the replicas of a service agree on one holder. Expiries are the
// database's clock, never the replicas': their clocks may disagree. Each
// Hold is one upsert that succeeds only while the lease is free, expired
// or already this holder's.

#include <string>

#include "storage/leadership.h"
#include "storage/postgres/pg_pool.h"

namespace trustsphere::storage::postgres {

class PgLease final : public Leadership {
 public:
  // `table` has columns (name bytea PRIMARY KEY, holder bytea NOT NULL,
  // expires_micros bigint NOT NULL); `pool` outlives this.
  PgLease(PgPool* pool, std::string table, std::string name, std::string holder,
          absl::Duration ttl);

  absl::StatusOr<bool> Hold() override;
  void Release() override;
  absl::Duration ttl() const override { return ttl_; }

 private:
  PgPool* pool_;
  const std::string hold_sql_;
  const std::string release_sql_;
  const std::string name_;
  const std::string holder_;
  const absl::Duration ttl_;
};

}  // namespace trustsphere::storage::postgres
