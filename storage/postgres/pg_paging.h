#pragma once

// One page of a keyset-ordered query, the paging routine of every
// PostgreSQL store, with the rule of storage::ScanPage: each row yields at
// most one item (rows the reader may not see yield none), and a next page
// is announced only when one more item exists, so hidden rows never show
// through a page size or an empty last page. Rows are read in batches, each
// resuming after the last row read; the page's cursor is that of its last
// item.

#include <algorithm>
#include <optional>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "storage/page.h"
#include "storage/postgres/pg_connection.h"

namespace trustsphere::storage::postgres {

// Rows after the cursor `after` ("" from the first), in the query's order,
// at most `n`.
using FetchAfter = absl::FunctionRef<absl::StatusOr<PgResult>(const std::string& after, int n)>;
// The cursor that resumes after `row`.
using CursorOf = absl::FunctionRef<std::string(const PgResult&, int row)>;
// An item from `row`, nullopt to skip it.
template <typename Item>
using RowToItem = absl::FunctionRef<absl::StatusOr<std::optional<Item>>(const PgResult&, int row)>;

inline constexpr int kMinBatch = 16;
inline constexpr int kMaxBatch = 1000;

template <typename Item>
absl::StatusOr<Page<Item>> KeysetPage(FetchAfter fetch, CursorOf cursor_of,
                                      const std::string& cursor, int limit,
                                      RowToItem<Item> convert) {
  const int batch = std::clamp(limit + 1, kMinBatch, kMaxBatch);
  Page<Item> page;
  std::string after = cursor, last_item;
  while (true) {
    auto rows = fetch(after, batch);
    if (!rows.ok()) return rows.status();
    for (int row = 0; row < rows->rows(); ++row) {
      after = cursor_of(*rows, row);
      auto item = convert(*rows, row);
      if (!item.ok()) return item.status();
      if (!item->has_value()) continue;
      if (static_cast<int>(page.items.size()) == limit) {
        page.next_cursor = last_item;
        return page;
      }
      page.items.push_back(std::move(**item));
      last_item = after;
    }
    if (rows->rows() < batch) return page;
  }
}

}  // namespace trustsphere::storage::postgres
