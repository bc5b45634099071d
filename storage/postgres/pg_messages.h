#pragma once

// Protobuf records read back from bytea columns: the stores keep each
// record whole in one column and index the fields they query on beside it.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/message_differencer.h"
#include "storage/postgres/pg_pool.h"
#include "storage/proto_value.h"

namespace trustsphere::storage::postgres {

// The record in `column` of the first row; nullopt when there is no row.
template <typename Message>
absl::StatusOr<std::optional<Message>> FirstOrNone(const absl::StatusOr<PgResult>& result,
                                                   int column = 0) {
  if (!result.ok()) return result.status();
  if (result->rows() == 0) return std::nullopt;
  auto message = ParseValue<Message>(result->Value(0, column));
  if (!message.ok()) return message.status();
  return std::optional<Message>(std::move(*message));
}

// The records in `column` of every row, in row order.
template <typename Message>
absl::StatusOr<std::vector<Message>> AllOf(const absl::StatusOr<PgResult>& result, int column = 0) {
  if (!result.ok()) return result.status();
  std::vector<Message> messages;
  messages.reserve(result->rows());
  for (int row = 0; row < result->rows(); ++row) {
    auto message = ParseValue<Message>(result->Value(row, column));
    if (!message.ok()) return message.status();
    messages.push_back(std::move(*message));
  }
  return messages;
}

// The `record` column of the rows of `table` whose `id` is among `ids`, in
// the order of `ids` (absent ones left out).
inline absl::StatusOr<PgResult> RecordsInOrder(PgPool& pool, const std::string& table,
                                               const std::vector<std::string>& ids) {
  return pool.Query(absl::StrCat("SELECT t.record FROM unnest($1::bytea[]) WITH ORDINALITY AS "
                                 "wanted(id, n) JOIN ",
                                 table, " t ON t.id = wanted.id ORDER BY wanted.n"),
                    {PgParam::ByteaArray(ids)});
}

// Whether `stored` is the state `expected` says (nullopt: no record).
template <typename Message>
bool SameRecord(const std::optional<Message>& expected, const std::optional<Message>& stored) {
  if (!expected || !stored) return expected.has_value() == stored.has_value();
  return google::protobuf::util::MessageDifferencer::Equals(*expected, *stored);
}

// Reads the record `select_for_update` locks (column 0 of its first row)
// and says whether it is still `expected`: how a store refuses a write
// made from a state that another replica has changed since, whose checks
// the logic made under locks of its own process only.
template <typename Message>
absl::StatusOr<bool> LockedRecordIs(PgConnection& connection, std::string_view select_for_update,
                                    absl::Span<const PgParam> params,
                                    const std::optional<Message>& expected) {
  auto stored = FirstOrNone<Message>(connection.Exec(select_for_update, params));
  if (!stored.ok()) return stored.status();
  return SameRecord(expected, *stored);
}

}  // namespace trustsphere::storage::postgres
