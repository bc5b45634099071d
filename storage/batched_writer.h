#pragma once

// Writes a long run of puts (a migration's rebuild of an index) in batches
// of a bounded size instead of one batch the size of the database: fill
// batch(), call Added() after each item, and Finish() once at the end.

#include "absl/status/status.h"
#include "storage/engine.h"

namespace trustsphere::storage {

class BatchedWriter {
 public:
  BatchedWriter(Engine& engine, int items_per_batch)
      : engine_(engine), items_per_batch_(items_per_batch) {}

  WriteBatch& batch() { return batch_; }
  // One more item is in batch(): written once the batch holds enough.
  absl::Status Added() {
    if (++items_ % items_per_batch_ != 0) return absl::OkStatus();
    return Flush();
  }
  // Writes what is left.
  absl::Status Finish() { return Flush(); }

 private:
  absl::Status Flush() {
    absl::Status written = engine_.Write(std::move(batch_)).status();
    batch_ = WriteBatch();
    return written;
  }

  Engine& engine_;
  const int items_per_batch_;
  WriteBatch batch_;
  int items_ = 0;
};

}  // namespace trustsphere::storage
