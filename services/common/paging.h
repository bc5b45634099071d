#pragma once

// One page of a key-ordered scan where each entry yields at most one item
// (entries the caller may not see yield none). A next page is announced only
// when one more item exists, so hidden entries never show through a page
// size or an empty last page.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "services/common/core/page_token.h"
#include "storage/engine.h"

namespace trustsphere {

template <typename Item>
struct Page {
  std::vector<Item> items;
  // The key of the last item: where the next page starts.
  std::string last_key;
  bool more = false;
};

template <typename Item>
absl::StatusOr<Page<Item>> ScanPage(const storage::Engine& engine, storage::Family family,
                                    const std::string& prefix, const std::string& cursor,
                                    int page_size, const storage::Snapshot* snapshot,
                                    const std::function<absl::StatusOr<std::optional<Item>>(
                                        std::string_view key, std::string_view value)>& convert,
                                    bool reverse = false) {
  Page<Item> page;
  absl::Status failed;
  absl::Status scanned = engine.Scan(
      family, {.prefix = prefix, .start_after = cursor, .reverse = reverse},
      [&](std::string_view key, std::string_view value) {
        auto item = convert(key, value);
        if (!item.ok()) {
          failed = item.status();
          return false;
        }
        if (!item->has_value()) return true;
        if (static_cast<int>(page.items.size()) == page_size) {
          page.more = true;
          return false;
        }
        page.items.push_back(std::move(**item));
        page.last_key.assign(key);
        return true;
      },
      snapshot);
  if (!scanned.ok()) return scanned;
  if (!failed.ok()) return failed;
  return page;
}

// The whole of a list RPC's paging: decodes `page_token` for `query` (the
// method, caller and filters), scans one page, appends the items to `items`
// and sets `response`'s next_page_token when more items exist.
template <typename Item, typename Response>
absl::Status FillPage(const storage::Engine& engine, const PageTokenCodec& tokens,
                      const std::string& query, const std::string& page_token,
                      storage::Family family, const std::string& prefix, int page_size,
                      const storage::Snapshot* snapshot, bool reverse,
                      const std::function<absl::StatusOr<std::optional<Item>>(
                          std::string_view key, std::string_view value)>& convert,
                      google::protobuf::RepeatedPtrField<Item>* items, Response* response) {
  auto cursor = tokens.Decode(query, page_token);
  if (!cursor.ok()) return cursor.status();
  auto page =
      ScanPage<Item>(engine, family, prefix, *cursor, page_size, snapshot, convert, reverse);
  if (!page.ok()) return page.status();
  for (auto& item : page->items) *items->Add() = std::move(item);
  if (page->more) response->set_next_page_token(tokens.Encode(query, page->last_key));
  return absl::OkStatus();
}

}  // namespace trustsphere
