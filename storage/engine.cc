#include "storage/engine.h"

#include "absl/cleanup/cleanup.h"

#include <algorithm>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/options.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/table.h"
#include "rocksdb/utilities/backup_engine.h"
#include "rocksdb/write_batch.h"
#include "storage/counter_addition.h"
#include "storage/engine_log.h"
#include "storage/key_encoding.h"

namespace trustsphere::storage {
namespace {

constexpr char kSchemaVersionKey[] = "engine/schema_version";

absl::Status FromRocks(const rocksdb::Status& status, absl::string_view what) {
  if (status.ok()) return absl::OkStatus();
  std::string message = absl::StrCat(what, ": ", status.ToString());
  if (status.IsNotFound()) return absl::NotFoundError(message);
  if (status.IsCorruption()) return absl::DataLossError(message);
  if (status.IsInvalidArgument() || status.IsNotSupported()) return absl::InternalError(message);
  // I/O errors (a full or read-only disk), a locked folder, busy or timed-out
  // operations: the caller may retry once the condition clears.
  return absl::UnavailableError(message);
}

// The first length-prefixed part of a key (u16 big-endian length + bytes):
// the prefix that scans of a prefixed family share. Its name is recorded in
// SST files: never change it.
class FirstPartTransform final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "trustsphere.FirstLengthPrefixedPart.v1"; }
  bool InDomain(const rocksdb::Slice& key) const override {
    return key.size() >= 2 && key.size() >= 2 + PartLength(key);
  }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return rocksdb::Slice(key.data(), 2 + PartLength(key));
  }

 private:
  static size_t PartLength(const rocksdb::Slice& key) {
    return (static_cast<size_t>(static_cast<uint8_t>(key[0])) << 8) | static_cast<uint8_t>(key[1]);
  }
};

// Options chosen for this workload: point lookups of records and short
// prefix scans of indexes, small values, many concurrent small writes.
rocksdb::ColumnFamilyOptions FamilyOptions(const std::shared_ptr<rocksdb::Cache>& cache,
                                           bool prefixed, bool counters) {
  rocksdb::BlockBasedTableOptions table;
  // One cache for all families bounds memory whatever the family count.
  table.block_cache = cache;
  // Bloom filters answer "absent" for point lookups without reading a block
  // (existence checks on ids, emails, request ids are frequent).
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  // Index and filter blocks live in the cache instead of growing unbounded
  // with the data, partitioned so that a lookup loads a 4 KiB partition,
  // not a whole file's index and filter (hundreds of KiB once a family holds
  // millions of keys: with whole blocks evicted by data blocks, every
  // CheckTrust re-read and checksummed them, 3 ms at 2 million statements).
  // They go in the cache's high-priority pool; L0's and the top levels are
  // pinned.
  table.cache_index_and_filter_blocks = true;
  table.cache_index_and_filter_blocks_with_high_priority = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  table.pin_top_level_index_and_filter = true;
  table.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
  table.partition_filters = true;
  table.metadata_block_size = 4096;
  // Binary search + hash inside data blocks speeds point lookups.
  table.data_block_index_type = rocksdb::BlockBasedTableOptions::kDataBlockBinaryAndHash;
  table.format_version = 5;

  rocksdb::ColumnFamilyOptions options;
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  if (prefixed) {
    // Filters then answer "no entry for this person here" for prefix scans
    // (adjacency lists, per-person indexes), not only for point lookups; the
    // memtable gets a prefix filter too.
    options.prefix_extractor = std::make_shared<FirstPartTransform>();
    options.memtable_prefix_bloom_size_ratio = 0.05;
  }
  if (counters) options.merge_operator = NewCounterAddition();
  // Fewer levels of overlap: bounded space amplification as data grows.
  options.level_compaction_dynamic_level_bytes = true;
  return options;
}

uint64_t DecodeSequence(std::string_view key) {
  uint64_t sequence = 0;
  KeyReader reader(key);
  return reader.U64(&sequence) ? sequence : 0;
}

}  // namespace

void WriteBatch::Put(Family family, std::string_view key, std::string_view value) {
  ops_.push_back({Op::Kind::kPut, family, std::string(key), std::string(value)});
}

void WriteBatch::Delete(Family family, std::string_view key) {
  ops_.push_back({Op::Kind::kDelete, family, std::string(key), ""});
}

void WriteBatch::AddCounters(Family family, std::string_view key,
                             absl::Span<const int64_t> deltas) {
  ops_.push_back({Op::Kind::kMerge, family, std::string(key), EncodeCounters(deltas)});
}

void WriteBatch::PutCounters(Family family, std::string_view key,
                             absl::Span<const int64_t> values) {
  ops_.push_back({Op::Kind::kPut, family, std::string(key), EncodeCounters(values)});
}

void WriteBatch::AppendChange(std::string_view value,
                              std::vector<std::pair<Family, std::string>> traced_under) {
  changes_.push_back({std::string(value), std::move(traced_under)});
}

void WriteBatch::RewriteChange(uint64_t sequence, std::string_view value) {
  ops_.push_back({Op::Kind::kRewriteChange, kMetaFamily, KeyBuilder().U64(sequence).key(),
                  std::string(value)});
}

void WriteBatch::PutMeta(std::string_view key, std::string_view value) {
  ops_.push_back({Op::Kind::kPut, kMetaFamily, std::string(key), std::string(value)});
}

void WriteBatch::DeleteMeta(std::string_view key) {
  ops_.push_back({Op::Kind::kDelete, kMetaFamily, std::string(key), ""});
}

Snapshot::~Snapshot() { db_->ReleaseSnapshot(snapshot_); }

absl::StatusOr<std::unique_ptr<Engine>> Engine::Open(EngineOptions options) {
  std::error_code error;
  std::filesystem::create_directories(options.path, error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("cannot create data folder ", options.path, ": ", error.message()));
  }
  if (options.change_log >= static_cast<Family>(options.families.size())) {
    return absl::InvalidArgumentError("change_log names no family");
  }

  rocksdb::LRUCacheOptions cache_options;
  cache_options.capacity = options.block_cache_bytes;
  // Index and filter partitions are evicted only after data blocks.
  cache_options.high_pri_pool_ratio = 0.5;
  auto cache = rocksdb::NewLRUCache(cache_options);
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  if (options.env != nullptr) db_options.env = options.env;
  // Background flushes and compactions on both cores of a small machine.
  db_options.IncreaseParallelism(2);
  // A corrupt WAL tail (torn last record after power loss) is dropped, every
  // fully synced record before it is kept.
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  // Engine-level logs stay small (LOG and LOG.old, 8 MiB each); the
  // service logs what matters. Written by NewEngineLog, which survives a
  // failing disk (engine_log.h).
  db_options.info_log = NewEngineLog(options.path + "/LOG", 8 << 20);
  // A family that is rarely written keeps every WAL file since its last
  // flush alive, and a restart replays them all (18 s for 190 MB measured
  // after a bulk import). Past this total the oldest families are flushed,
  // which bounds recovery after a crash to a couple of seconds.
  db_options.max_total_wal_size = 32 << 20;
  // The MANIFEST records each file's first and last keys, and keys hold
  // personal data (an email in identity's `emails`). It is written afresh
  // from the live files at every change of them (a flush, a compaction), so
  // the keys of files an erasure compacted away leave it at the next one
  // (ReclaimDeleted makes one) instead of staying until it reaches 1 GiB.
  // A snapshot of the live files is a few kilobytes per hundred files.
  db_options.max_manifest_file_size = 0;

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, FamilyOptions(cache, false, false));
  for (Family family = 0; family < static_cast<Family>(options.families.size()); ++family) {
    const std::string& name = options.families[family];
    if (name == rocksdb::kDefaultColumnFamilyName) {
      return absl::InvalidArgumentError("the default family is reserved");
    }
    auto listed = [family](const std::vector<Family>& families) {
      return std::find(families.begin(), families.end(), family) != families.end();
    };
    descriptors.emplace_back(name, FamilyOptions(cache, listed(options.prefixed_families),
                                                 listed(options.counter_families)));
  }

  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::Status status = rocksdb::DB::Open(db_options, options.path, descriptors, &handles, &db);
  if (!status.ok()) return FromRocks(status, absl::StrCat("open ", options.path));

  std::unique_ptr<Engine> engine(new Engine(std::move(options), db, std::move(handles)));
  if (absl::Status loaded = engine->LoadChangeSequence(); !loaded.ok()) return loaded;
  if (absl::Status checked = engine->CheckSchemaVersion(); !checked.ok()) return checked;
  return engine;
}

Engine::Engine(EngineOptions options, rocksdb::DB* db,
               std::vector<rocksdb::ColumnFamilyHandle*> handles)
    : options_(std::move(options)), db_(db), handles_(std::move(handles)) {}

Engine::~Engine() {
  std::thread syncer;
  bool unsynced = false;
  {
    absl::MutexLock lock(&sync_mu_);
    closing_ = true;
    syncer = std::move(syncer_);
  }
  if (syncer.joinable()) syncer.join();
  {
    absl::MutexLock lock(&sync_mu_);
    unsynced = unsynced_;
  }
  // Deferred writes reach the disk before the database closes.
  if (unsynced) db_->SyncWAL().PermitUncheckedError();
  // The WAL already holds every acknowledged write; flushing the memtables
  // on a clean stop only spares the next start from replaying it.
  // A failed flush loses nothing for the same reason, so its status is
  // ignored.
  rocksdb::FlushOptions flush;
  flush.allow_write_stall = true;
  db_->Flush(flush, handles_).PermitUncheckedError();
  for (auto* handle : handles_) db_->DestroyColumnFamilyHandle(handle);
  // Close() syncs and releases the folder lock.
  db_->Close();
  delete db_;
}

rocksdb::ColumnFamilyHandle* Engine::Handle(Family family) const {
  return handles_.at(family == WriteBatch::kMetaFamily ? 0 : family + 1);
}

absl::Status Engine::SetSchemaVersion(uint32_t version) {
  WriteBatch batch;
  batch.PutMeta(kSchemaVersionKey, KeyBuilder().U32(version).key());
  return Write(std::move(batch)).status();
}

absl::Status Engine::CheckSchemaVersion() {
  absl::StatusOr<std::string> stored = GetMeta(kSchemaVersionKey);
  if (absl::IsNotFound(stored.status())) return SetSchemaVersion(options_.schema_version);
  if (!stored.ok()) return stored.status();
  uint32_t version = 0;
  KeyReader(*stored).U32(&version);
  while (version < options_.schema_version) {
    auto migration = std::find_if(options_.migrations.begin(), options_.migrations.end(),
                                  [&](const Migration& m) { return m.from == version; });
    if (migration == options_.migrations.end()) break;
    if (absl::Status migrated = migration->run(*this); !migrated.ok()) {
      return absl::Status(migrated.code(),
                          absl::StrCat("migrating ", options_.path, " from schema version ",
                                       version, ": ", migrated.message()));
    }
    if (absl::Status bumped = SetSchemaVersion(version + 1); !bumped.ok()) return bumped;
    ++version;
  }
  if (version != options_.schema_version) {
    return absl::FailedPreconditionError(
        absl::StrCat("data folder ", options_.path, " has schema version ", version,
                     "; this build reads version ", options_.schema_version));
  }
  return absl::OkStatus();
}

absl::Status Engine::LoadChangeSequence() {
  if (options_.change_log < 0) return absl::OkStatus();
  uint64_t last = 0;
  absl::Status status = Scan(options_.change_log, ScanRange{.reverse = true},
                             [&](std::string_view key, std::string_view) {
                               last = DecodeSequence(key);
                               return false;
                             });
  if (!status.ok()) return status;
  absl::MutexLock lock(&change_mu_);
  next_change_ = last + 1;
  return absl::OkStatus();
}

absl::StatusOr<std::string> Engine::Get(Family family, std::string_view key,
                                        const Snapshot* snapshot) const {
  rocksdb::ReadOptions read;
  if (snapshot != nullptr) read.snapshot = snapshot->snapshot_;
  std::string value;
  rocksdb::Status status = db_->Get(read, Handle(family), key, &value);
  if (status.IsNotFound()) return absl::NotFoundError("no such key");
  if (!status.ok()) return FromRocks(status, "read");
  return value;
}

absl::StatusOr<std::optional<std::string>> Engine::Find(Family family, std::string_view key,
                                                        const Snapshot* snapshot) const {
  auto value = Get(family, key, snapshot);
  if (absl::IsNotFound(value.status())) return std::nullopt;
  if (!value.ok()) return value.status();
  return std::optional<std::string>(std::move(*value));
}

absl::StatusOr<std::vector<std::optional<std::string>>> Engine::MultiGet(
    Family family, const std::vector<std::string>& keys, const Snapshot* snapshot) const {
  rocksdb::ReadOptions read;
  if (snapshot != nullptr) read.snapshot = snapshot->snapshot_;
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  db_->MultiGet(read, Handle(family), keys.size(), slices.data(), values.data(), statuses.data());
  std::vector<std::optional<std::string>> result(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].IsNotFound()) continue;
    if (!statuses[i].ok()) return FromRocks(statuses[i], "read");
    result[i] = values[i].ToString();
  }
  return result;
}

absl::StatusOr<std::vector<uint64_t>> Engine::Write(WriteBatch batch) {
  return Write(std::move(batch), [](absl::Span<const uint64_t>) {});
}

absl::StatusOr<std::vector<uint64_t>> Engine::Write(
    WriteBatch batch, absl::FunctionRef<void(absl::Span<const uint64_t>)> committed) {
  rocksdb::WriteBatch rocks_batch;
  for (const auto& op : batch.ops_) {
    rocksdb::Status status;
    switch (op.kind) {
      case WriteBatch::Op::Kind::kPut:
        status = rocks_batch.Put(Handle(op.family), op.key, op.value);
        break;
      case WriteBatch::Op::Kind::kDelete:
        status = rocks_batch.Delete(Handle(op.family), op.key);
        break;
      case WriteBatch::Op::Kind::kMerge:
        status = rocks_batch.Merge(Handle(op.family), op.key, op.value);
        break;
      case WriteBatch::Op::Kind::kRewriteChange:
        if (options_.change_log < 0) return absl::InternalError("this engine keeps no change log");
        status = rocks_batch.Put(Handle(options_.change_log), op.key, op.value);
        break;
    }
    if (!status.ok()) return FromRocks(status, "batch");
  }

  std::vector<uint64_t> sequences;
  if (!batch.changes_.empty()) {
    if (options_.change_log < 0) return absl::InternalError("this engine keeps no change log");
    // Numbers are taken under a short lock; the write itself runs unlocked so
    // concurrent writers still share WAL syncs. Numbers in flight hold back
    // CommittedChangeSequence() until they land.
    absl::MutexLock lock(&change_mu_);
    for (const auto& change : batch.changes_) {
      uint64_t sequence = next_change_++;
      in_flight_changes_.insert(sequence);
      sequences.push_back(sequence);
      rocks_batch.Put(Handle(options_.change_log), KeyBuilder().U64(sequence).key(), change.value);
      for (const auto& [family, prefix] : change.traced_under) {
        rocks_batch.Put(Handle(family), absl::StrCat(prefix, KeyBuilder().U64(sequence).key()), "");
      }
    }
  }

  rocksdb::WriteOptions write;
  const bool deferred = options_.sync_writes && batch.defer_sync_;
  write.sync = options_.sync_writes && !deferred;
  {
    // Whatever happens below, the numbers leave the in-flight set, or the
    // watermark would stop for good.
    absl::Cleanup landed = [&] {
      if (sequences.empty()) return;
      absl::MutexLock lock(&change_mu_);
      for (uint64_t sequence : sequences) in_flight_changes_.erase(sequence);
    };
    rocksdb::Status status = db_->Write(write, &rocks_batch);
    if (!status.ok()) return FromRocks(status, "write");
    committed(sequences);
  }
  if (deferred) {
    absl::MutexLock lock(&sync_mu_);
    unsynced_ = true;
    if (!syncer_.joinable()) syncer_ = std::thread([this] { SyncDeferredWrites(); });
  }
  return sequences;
}

void Engine::SyncDeferredWrites() {
  absl::MutexLock lock(&sync_mu_);
  auto pending = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(sync_mu_) { return unsynced_ || closing_; };
  while (true) {
    sync_mu_.Await(absl::Condition(&pending));
    if (closing_) return;  // the destructor syncs what is left
    // The deferred writes of the next interval share this sync.
    sync_mu_.AwaitWithTimeout(absl::Condition(&closing_), options_.deferred_sync_bound);
    unsynced_ = false;
    sync_mu_.Unlock();
    rocksdb::Status synced = db_->SyncWAL();
    sync_mu_.Lock();
    // A failed sync leaves the writes to the next synced write or to the
    // close; a failing disk also fails the next write, which is where the
    // service sees it.
    if (!synced.ok()) unsynced_ = true;
    if (closing_) return;
  }
}

absl::StatusOr<std::vector<int64_t>> Engine::GetCounters(Family family, std::string_view key,
                                                         size_t size,
                                                         const Snapshot* snapshot) const {
  auto bytes = Find(family, key, snapshot);
  if (!bytes.ok()) return bytes.status();
  std::vector<int64_t> values =
      bytes->has_value() ? DecodeCounters(**bytes) : std::vector<int64_t>();
  values.resize(size, 0);
  return values;
}

absl::Status Engine::Scan(Family family, const ScanRange& range,
                          absl::FunctionRef<Visit(std::string_view, std::string_view)> visit,
                          const Snapshot* snapshot) const {
  rocksdb::ReadOptions read;
  if (snapshot != nullptr) read.snapshot = snapshot->snapshot_;
  // Prefix filters are used when the bounds stay within one prefix, and
  // total order otherwise: always correct, fast when it can be.
  read.auto_prefix_mode = true;
  const std::string lower = range.prefix;
  std::string upper = PrefixSuccessor(range.prefix);
  if (!range.reverse && !range.end_before.empty() && (upper.empty() || range.end_before < upper)) {
    upper = range.end_before;
  }
  rocksdb::Slice lower_slice(lower);
  rocksdb::Slice upper_slice(upper);
  if (!lower.empty()) read.iterate_lower_bound = &lower_slice;
  if (!upper.empty()) read.iterate_upper_bound = &upper_slice;

  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read, Handle(family)));
  if (range.reverse) {
    if (range.start_after.empty()) {
      it->SeekToLast();
    } else {
      it->SeekForPrev(range.start_after);
      if (it->Valid() && it->key() == rocksdb::Slice(range.start_after)) it->Prev();
    }
  } else {
    if (range.start_after.empty()) {
      it->SeekToFirst();
    } else {
      it->Seek(range.start_after);
      if (it->Valid() && it->key() == rocksdb::Slice(range.start_after)) it->Next();
    }
  }
  absl::Status visit_failed;
  for (; it->Valid(); range.reverse ? it->Prev() : it->Next()) {
    Visit more = visit(std::string_view(it->key().data(), it->key().size()),
                       std::string_view(it->value().data(), it->value().size()));
    if (!more.ok()) visit_failed = more.status();
    if (!more.ok() || !*more) break;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "scan");
  return visit_failed;
}

std::unique_ptr<Snapshot> Engine::TakeSnapshot() const {
  return std::unique_ptr<Snapshot>(new Snapshot(db_, db_->GetSnapshot()));
}

absl::Status Engine::ScanChanges(uint64_t after,
                                 absl::FunctionRef<Visit(uint64_t, std::string_view)> visit) const {
  // Never past the watermark: a change numbered below it may still commit.
  return ScanChangeRange(after, CommittedChangeSequence(), nullptr, visit);
}

absl::Status Engine::ScanChanges(uint64_t after, const Snapshot& snapshot,
                                 absl::FunctionRef<Visit(uint64_t, std::string_view)> visit) const {
  return ScanChangeRange(after, std::nullopt, &snapshot, visit);
}

absl::Status Engine::ScanChangeRange(
    uint64_t after, std::optional<uint64_t> up_to, const Snapshot* snapshot,
    absl::FunctionRef<Visit(uint64_t, std::string_view)> visit) const {
  if (options_.change_log < 0) return absl::InternalError("this engine keeps no change log");
  if (up_to && *up_to <= after) return absl::OkStatus();
  ScanRange range{.start_after = KeyBuilder().U64(after).key()};
  if (up_to) range.end_before = KeyBuilder().U64(*up_to + 1).key();
  return Scan(
      options_.change_log, range,
      [&](std::string_view key, std::string_view value) -> Visit {
        return visit(DecodeSequence(key), value);
      },
      snapshot);
}

uint64_t Engine::CommittedChangeSequence() const {
  absl::MutexLock lock(&change_mu_);
  if (in_flight_changes_.empty()) return next_change_ - 1;
  return *in_flight_changes_.begin() - 1;
}

uint64_t Engine::LastChangeSequence() const {
  absl::MutexLock lock(&change_mu_);
  return next_change_ - 1;
}

std::vector<RecordKindStats> Engine::Stats() const {
  std::vector<RecordKindStats> stats;
  for (Family family = 0; family < static_cast<Family>(options_.families.size()); ++family) {
    auto property = [&](const std::string& name) {
      uint64_t value = 0;
      db_->GetIntProperty(Handle(family), name, &value);
      return value;
    };
    stats.push_back(
        RecordKindStats{.name = options_.families[family],
                        .estimated_keys = property(rocksdb::DB::Properties::kEstimateNumKeys),
                        .sst_bytes = property(rocksdb::DB::Properties::kTotalSstFilesSize),
                        .memtable_bytes = property(rocksdb::DB::Properties::kCurSizeAllMemTables),
                        .pending_compaction_bytes =
                            property(rocksdb::DB::Properties::kEstimatePendingCompactionBytes)});
  }
  return stats;
}

absl::Status Engine::CheckWritable() {
  rocksdb::WriteOptions synced;
  synced.sync = true;
  auto probe = [&] {
    return db_->Put(synced, Handle(WriteBatch::kMetaFamily), kWritableProbeKey, "");
  };
  rocksdb::Status written = probe();
  if (written.ok()) return absl::OkStatus();
  // Stopped by a background error, RocksDB writes nothing until resumed; a
  // cause still there makes Resume fail, and the probe with it.
  const rocksdb::Status resumed = db_->Resume();
  if (resumed.ok()) written = probe();
  if (written.ok()) return absl::OkStatus();
  return FromRocks(
      written, absl::StrCat("the database cannot take writes (resume: ", resumed.ToString(), ")"));
}

absl::Status Engine::ReclaimDeleted() {
  rocksdb::FlushOptions flush;
  flush.wait = true;
  if (rocksdb::Status flushed = db_->Flush(flush, handles_); !flushed.ok()) {
    return FromRocks(flushed, "flush before reclaiming");
  }
  rocksdb::CompactRangeOptions compact;
  // Files already at the last level hold tombstones and overwritten
  // values too: rewrite them as well.
  compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  // Automatic compactions go on meanwhile, or level 0 would fill up and
  // stall writes for as long as this rewrite takes.
  compact.exclusive_manual_compaction = false;
  for (auto* handle : handles_) {
    if (rocksdb::Status compacted = db_->CompactRange(compact, handle, nullptr, nullptr);
        !compacted.ok()) {
      return FromRocks(compacted, "compact " + handle->GetName());
    }
  }
  // The MANIFEST written for the last compaction still lists the files it
  // replaced, with their first and last keys: one more flush writes it
  // again from the live files alone.
  rocksdb::WriteOptions synced;
  synced.sync = true;
  rocksdb::Status probed = db_->Put(synced, Handle(WriteBatch::kMetaFamily), kWritableProbeKey, "");
  if (probed.ok()) probed = db_->Flush(flush, Handle(WriteBatch::kMetaFamily));
  if (!probed.ok()) return FromRocks(probed, "flush after reclaiming");
  return absl::OkStatus();
}

absl::StatusOr<std::string> Engine::Marker(const std::string& name) const {
  auto value = GetMeta("marker/" + name);
  if (absl::IsNotFound(value.status())) return std::string();
  return value;
}

absl::Status Engine::SetMarker(const std::string& name, const std::string& value) {
  WriteBatch batch;
  if (value.empty()) {
    batch.DeleteMeta("marker/" + name);
  } else {
    batch.PutMeta("marker/" + name, value);
  }
  return Write(std::move(batch)).status();
}

absl::StatusOr<std::string> Engine::GetMeta(std::string_view key) const {
  return Get(WriteBatch::kMetaFamily, key);
}

absl::StatusOr<std::string> Engine::KeepMeta(std::string_view key, const std::string& fresh) {
  absl::MutexLock lock(&keep_meta_mu_);
  auto stored = GetMeta(key);
  if (!absl::IsNotFound(stored.status())) return stored;
  WriteBatch batch;
  batch.PutMeta(key, fresh);
  if (auto written = Write(std::move(batch)); !written.ok()) return written.status();
  return fresh;
}

namespace {

absl::StatusOr<std::unique_ptr<rocksdb::BackupEngine>> OpenBackupEngine(
    const std::string& backup_dir) {
  rocksdb::BackupEngine* raw = nullptr;
  rocksdb::IOStatus status = rocksdb::BackupEngine::Open(rocksdb::BackupEngineOptions(backup_dir),
                                                         rocksdb::Env::Default(), &raw);
  if (!status.ok()) return FromRocks(status, absl::StrCat("open backups in ", backup_dir));
  return std::unique_ptr<rocksdb::BackupEngine>(raw);
}

BackupInfo ToBackupInfo(const rocksdb::BackupInfo& info) {
  return BackupInfo{.id = info.backup_id,
                    .unix_seconds = info.timestamp,
                    .size_bytes = info.size,
                    .file_count = info.number_files};
}

}  // namespace

absl::StatusOr<BackupInfo> Engine::CreateBackup(const std::string& backup_dir) {
  auto backups = OpenBackupEngine(backup_dir);
  if (!backups.ok()) return backups.status();
  rocksdb::CreateBackupOptions create;
  // Flushing first puts everything in SST files, so the backup does not
  // depend on replaying a large WAL at restore.
  create.flush_before_backup = true;
  rocksdb::BackupID id = 0;
  rocksdb::IOStatus status = (*backups)->CreateNewBackup(create, db_, &id);
  if (!status.ok()) return FromRocks(status, "backup");
  rocksdb::BackupInfo info;
  rocksdb::Status described = (*backups)->GetBackupInfo(id, &info);
  if (!described.ok()) return FromRocks(described, "describe backup");
  return ToBackupInfo(info);
}

absl::StatusOr<std::vector<BackupInfo>> Engine::ListBackups(const std::string& backup_dir) const {
  auto backups = OpenBackupEngine(backup_dir);
  if (!backups.ok()) return backups.status();
  std::vector<rocksdb::BackupInfo> infos;
  (*backups)->GetBackupInfo(&infos);
  std::vector<BackupInfo> result;
  for (const auto& info : infos) result.push_back(ToBackupInfo(info));
  return result;
}

absl::Status Engine::RestoreLatestBackup(const std::string& backup_dir, const std::string& db_dir) {
  auto backups = OpenBackupEngine(backup_dir);
  if (!backups.ok()) return backups.status();
  std::error_code error;
  std::filesystem::create_directories(db_dir, error);
  if (error) return absl::UnavailableError(absl::StrCat("cannot create ", db_dir));
  return FromRocks((*backups)->RestoreDBFromLatestBackup(db_dir, db_dir), "restore");
}

}  // namespace trustsphere::storage
