#pragma once

// The values of counter families: int64s added up by RocksDB's merge
// operator instead of read, changed and written back. Each counter is a
// big-endian two's-complement int64 (8 bytes), one after the other; a longer
// vector extends a shorter one.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/types/span.h"

namespace rocksdb {
class MergeOperator;
}

namespace trustsphere::storage {

std::string EncodeCounters(absl::Span<const int64_t> values);
std::vector<int64_t> DecodeCounters(std::string_view bytes);

// The merge operator of counter families, "trustsphere.CounterAddition.v1"
// (the name is recorded in SST files: never change it). Also for tools that
// read a database from outside.
std::shared_ptr<rocksdb::MergeOperator> NewCounterAddition();

}  // namespace trustsphere::storage
