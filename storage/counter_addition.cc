#include "storage/counter_addition.h"

#include "rocksdb/merge_operator.h"
#include "storage/key_encoding.h"

namespace trustsphere::storage {
namespace {

class CounterAddition final : public rocksdb::AssociativeMergeOperator {
 public:
  const char* Name() const override { return "trustsphere.CounterAddition.v1"; }
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice* existing, const rocksdb::Slice& added,
             std::string* merged, rocksdb::Logger*) const override {
    std::vector<int64_t> sum =
        existing ? DecodeCounters(std::string_view(existing->data(), existing->size()))
                 : std::vector<int64_t>();
    std::vector<int64_t> deltas = DecodeCounters(std::string_view(added.data(), added.size()));
    if (sum.size() < deltas.size()) sum.resize(deltas.size(), 0);
    for (size_t i = 0; i < deltas.size(); ++i) {
      // Unsigned arithmetic: wraps instead of overflowing (never reached).
      sum[i] =
          static_cast<int64_t>(static_cast<uint64_t>(sum[i]) + static_cast<uint64_t>(deltas[i]));
    }
    *merged = EncodeCounters(sum);
    return true;
  }
};

}  // namespace

std::string EncodeCounters(absl::Span<const int64_t> values) {
  KeyBuilder bytes;
  for (int64_t value : values) bytes.U64(static_cast<uint64_t>(value));
  return bytes.Build();
}

std::vector<int64_t> DecodeCounters(std::string_view bytes) {
  std::vector<int64_t> values;
  KeyReader reader(bytes);
  uint64_t value = 0;
  while (reader.U64(&value)) values.push_back(static_cast<int64_t>(value));
  return values;
}

std::shared_ptr<rocksdb::MergeOperator> NewCounterAddition() {
  return std::make_shared<CounterAddition>();
}

}  // namespace trustsphere::storage
