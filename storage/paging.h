#pragma once

// One page of a key-ordered scan, the one paging routine of every RocksDB
// store: each entry yields at most one item (entries the reader may not see
// yield none), and a next page is announced only when one more item exists,
// so hidden entries never show through a page size or an empty last page.
// The cursor is the key of the page's last item; stores hand it out as an
// opaque string.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "storage/engine.h"
#include "storage/page.h"
#include "storage/proto_value.h"

namespace trustsphere::storage {

// `convert` turns an entry into an item, nullopt to skip it, or an error
// that ends the scan.
template <typename Item>
absl::StatusOr<Page<Item>> ScanPage(const Engine& engine, Family family, const ScanRange& range,
                                    int page_size, const Snapshot* snapshot,
                                    absl::FunctionRef<absl::StatusOr<std::optional<Item>>(
                                        std::string_view key, std::string_view value)>
                                        convert) {
  Page<Item> page;
  std::string last_key;
  absl::Status scanned = engine.Scan(
      family, range,
      [&](std::string_view key, std::string_view value) -> Engine::Visit {
        auto item = convert(key, value);
        if (!item.ok()) return item.status();
        if (!item->has_value()) return true;
        if (static_cast<int>(page.items.size()) == page_size) {
          page.next_cursor = last_key;
          return false;
        }
        page.items.push_back(std::move(**item));
        last_key.assign(key);
        return true;
      },
      snapshot);
  if (!scanned.ok()) return scanned;
  return page;
}

// A ScanPage conversion keeping every entry, its value parsed.
template <typename Message>
absl::StatusOr<std::optional<Message>> ParsedValue(std::string_view, std::string_view value) {
  auto message = ParseValue<Message>(value);
  if (!message.ok()) return message.status();
  return std::optional<Message>(std::move(*message));
}

// How many keys the range holds, counting no further than `up_to`.
inline absl::StatusOr<int> CountKeys(const Engine& engine, Family family, const ScanRange& range,
                                     int up_to) {
  int count = 0;
  absl::Status scanned = engine.Scan(
      family, range, [&](std::string_view, std::string_view) { return ++count < up_to; });
  if (!scanned.ok()) return scanned;
  return count;
}

}  // namespace trustsphere::storage
