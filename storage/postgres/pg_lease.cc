#include "storage/postgres/pg_lease.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace trustsphere::storage::postgres {
namespace {

constexpr char kNowMicros[] = "(extract(epoch from clock_timestamp()) * 1000000)::bigint";

}  // namespace

PgLease::PgLease(PgPool* pool, std::string table, std::string name, std::string holder,
                 absl::Duration ttl)
    : pool_(pool),
      hold_sql_(absl::StrCat("INSERT INTO ", table, " VALUES ($1, $2, ", kNowMicros,
                             " + $3::bigint) ON CONFLICT (name) DO UPDATE SET holder = "
                             "excluded.holder, expires_micros = excluded.expires_micros WHERE ",
                             table, ".holder = excluded.holder OR ", table, ".expires_micros < ",
                             kNowMicros)),
      release_sql_(absl::StrCat("DELETE FROM ", table, " WHERE name = $1 AND holder = $2")),
      name_(std::move(name)),
      holder_(std::move(holder)),
      ttl_(ttl) {}

absl::StatusOr<bool> PgLease::Hold() {
  auto held = pool_->Query(hold_sql_, {PgParam::Bytes(name_), PgParam::Bytes(holder_),
                                       PgParam::Int(absl::ToInt64Microseconds(ttl_))});
  if (!held.ok()) return held.status();
  return held->RowsAffected() == 1;
}

void PgLease::Release() {
  pool_->Query(release_sql_, {PgParam::Bytes(name_), PgParam::Bytes(holder_)}).IgnoreError();
}

}  // namespace trustsphere::storage::postgres
