#pragma once

// One page of a store's answer to a list query, whatever the engine.

#include <string>
#include <vector>

namespace trustsphere::storage {

template <typename Item>
struct Page {
  std::vector<Item> items;
  // Where the next page starts, opaque to callers; empty when there is none.
  std::string next_cursor;
};

}  // namespace trustsphere::storage
