#include "storage/postgres/pg_named_values.h"

#include "absl/strings/str_cat.h"

namespace trustsphere::storage::postgres {

absl::StatusOr<std::string> KeepFirstValue(PgPool& pool, const std::string& table,
                                           const std::string& name, const std::string& fresh) {
  auto kept = pool.Query(
      absl::StrCat("INSERT INTO ", table, " VALUES ($1, $2) ON CONFLICT (name) DO NOTHING"),
      {PgParam::Bytes(name), PgParam::Bytes(fresh)});
  if (!kept.ok()) return kept.status();
  auto value = NamedValue(pool, table, name);
  if (value.ok() && value->empty()) return absl::InternalError("a kept value is missing");
  return value;
}

absl::StatusOr<std::string> NamedValue(PgPool& pool, const std::string& table,
                                       const std::string& name) {
  auto row = pool.Query(absl::StrCat("SELECT value FROM ", table, " WHERE name = $1"),
                        {PgParam::Bytes(name)});
  if (!row.ok()) return row.status();
  if (row->rows() == 0) return std::string();
  return std::string(row->Value(0, 0));
}

absl::Status SetNamedValue(PgPool& pool, const std::string& table, const std::string& name,
                           const std::string& value) {
  if (value.empty()) {
    return pool
        .Query(absl::StrCat("DELETE FROM ", table, " WHERE name = $1"), {PgParam::Bytes(name)})
        .status();
  }
  return pool
      .Query(
          absl::StrCat("INSERT INTO ", table,
                       " VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value"),
          {PgParam::Bytes(name), PgParam::Bytes(value)})
      .status();
}

}  // namespace trustsphere::storage::postgres
