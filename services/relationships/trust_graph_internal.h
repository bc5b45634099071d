#pragma once

// What trust_graph.cc and trust_graph_checkpoint.cc share: the layout of
// the graph's arrays (the checkpoint writes them as they are in memory).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "services/relationships/trust_graph.h"

namespace trustsphere::relationships {

// Facet ids of an outside facet carry this bit.
inline constexpr uint32_t kOutside = uint32_t{1} << 31;

struct TrustGraph::Entry {
  uint32_t other;
  // person -> other, and other -> person (Pack).
  uint8_t mine;
  uint8_t theirs;
  // How many of Adjacency::facets are theirs' (when active: inside, then
  // outside with kOutside).
  uint16_t facet_count;
};

struct TrustGraph::Adjacency {
  // By the other person's id.
  std::vector<Entry> entries;
  // The facet ids of each entry's statement about the person, entry after
  // entry.
  std::vector<uint32_t> facets;
};

// Person ids in chunks that never move: a query reads the names of what it
// walks without the lock (an id reaches it only through the lock, after its
// name was written).
class TrustGraph::Names {
 public:
  static constexpr int kChunkBits = 16;
  static constexpr uint32_t kChunkSize = uint32_t{1} << kChunkBits;
  static constexpr size_t kChunks = size_t{1} << (32 - kChunkBits);

  const std::string& operator[](uint32_t id) const {
    return chunks_[id >> kChunkBits][id & (kChunkSize - 1)];
  }
  // Under the graph's exclusive lock, for the next id.
  const std::string& Add(uint32_t id, std::string_view name) {
    auto& chunk = chunks_[id >> kChunkBits];
    if (!chunk) chunk = std::make_unique<std::string[]>(kChunkSize);
    std::string& slot = chunk[id & (kChunkSize - 1)];
    slot.assign(name);
    return slot;
  }
  int64_t bytes(uint32_t count) const {
    int64_t total = kChunks * sizeof(chunks_[0]);
    for (uint32_t id = 0; id < count; ++id) {
      if ((id & (kChunkSize - 1)) == 0) total += kChunkSize * sizeof(std::string);
      const std::string& name = (*this)[id];
      if (name.capacity() > sizeof(std::string)) total += name.capacity() + 1;
    }
    return total;
  }

 private:
  std::unique_ptr<std::unique_ptr<std::string[]>[]> chunks_ =
      std::make_unique<std::unique_ptr<std::string[]>[]>(kChunks);
};

}  // namespace trustsphere::relationships
