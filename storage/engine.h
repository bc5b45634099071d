#pragma once

// The storage engine every service uses: one RocksDB database per service,
// one column family per record kind, atomic batches, snapshots, a change log
// with a monotonically increasing sequence, and online backups.
//
// rocksdb::Status never leaves this layer: every method answers absl::Status
// with the most specific code (NotFound, Unavailable for I/O errors, DataLoss
// for corruption, FailedPrecondition for a schema mismatch).
//
// Thread safety: every method of Engine may be called from any thread at the
// same time. Writes are not serialised: concurrent synced writes share WAL
// syncs (RocksDB group commit).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "storage/storage_admin.h"

namespace rocksdb {
class DB;
class Env;
class ColumnFamilyHandle;
class Snapshot;
}  // namespace rocksdb

namespace trustsphere::storage {

// A column family: an index into EngineOptions::families.
using Family = int;

class Engine;

// Brings a database written with layout version `from` to `from + 1`. It
// runs at open, before any other read or write, and must be safe to run
// again after a crash half-way (the version is bumped only once it has
// returned OK).
struct Migration {
  uint32_t from = 0;
  std::function<absl::Status(Engine&)> run;
};

struct EngineOptions {
  // The database folder; created when missing.
  std::string path;
  // Column families, in the order their Family numbers refer to. The names
  // reach disk: never rename one. "default" is reserved for engine metadata.
  std::vector<std::string> families;
  // The family that holds the change log (keys: big-endian u64 sequence),
  // or -1 when the service keeps none.
  Family change_log = -1;
  // The layout version this build reads. A new database records it; an
  // older one is brought to it by `migrations`, one version at a time; a
  // newer one, or an older one with no migration, is refused.
  uint32_t schema_version = 1;
  std::vector<Migration> migrations;
  // true: a write is acknowledged only once its WAL record is synced to disk
  // (survives power loss). false: once it is in the OS page cache (survives
  // a process crash, not a power loss).
  bool sync_writes = true;
  // A batch marked WriteBatch::DeferSync() is acknowledged once in the OS
  // page cache, and the WAL is synced at most this long after it: such a
  // write survives a process crash at once and a power loss after the
  // bound. One sync serves every deferred write of the interval.
  absl::Duration deferred_sync_bound = absl::Milliseconds(50);
  // Shared LRU cache for data, index and filter blocks.
  size_t block_cache_bytes = 64 << 20;
  // Families whose keys start with a length-prefixed part (KeyBuilder::Str)
  // that every scan of the family fixes, such as the person in
  // Str(person) Tail(other). Their filters also index that first part, so a
  // scan of one person's entries skips files that hold none.
  std::vector<Family> prefixed_families;
  // Families whose values are counters: little vectors of int64 that
  // WriteBatch::AddCounters adds to without reading them first, so that
  // concurrent writers of one counter need no lock.
  std::vector<Family> counter_families;
  // The file system RocksDB uses; null is the real one (tests inject faults).
  // After a write fails for lack of space, RocksDB refuses writes until its
  // own recovery (driven by the file system's free space) has flushed what
  // it holds; resuming it by hand while the disk is still full would turn
  // the error into a fatal one.
  rocksdb::Env* env = nullptr;
};

// Mutations applied atomically by Engine::Write: all or nothing.
class WriteBatch {
 public:
  void Put(Family family, std::string_view key, std::string_view value);
  void Delete(Family family, std::string_view key);
  // Adds `deltas` to the counters at `key` of a counter family (absent
  // counters count from zero; a longer vector extends a shorter one).
  void AddCounters(Family family, std::string_view key, absl::Span<const int64_t> deltas);
  // Sets the counters at `key` to `values`, whatever they were.
  void PutCounters(Family family, std::string_view key, absl::Span<const int64_t> values);
  // Appends a change-log entry; Engine::Write assigns its sequence number.
  // Each (family, prefix) of `traced_under` gets an empty entry keyed
  // prefix + U64(sequence) in the same write: an index of the entries that
  // concern something (a pair of people), for rewriting them later.
  void AppendChange(std::string_view value,
                    std::vector<std::pair<Family, std::string>> traced_under = {});
  // Replaces the committed change-log entry `sequence`, keeping its place.
  void RewriteChange(uint64_t sequence, std::string_view value);
  // Engine metadata (the "default" family), such as per-service secrets.
  void PutMeta(std::string_view key, std::string_view value);
  void DeleteMeta(std::string_view key);

  // Acknowledge this batch before its WAL record reaches the disk (see
  // EngineOptions::deferred_sync_bound): for records whose loss in a power
  // cut within the bound is acceptable, such as a log of reads, and whose
  // writer should not wait out a disk sync.
  void DeferSync() { defer_sync_ = true; }

  bool empty() const { return ops_.empty() && changes_.empty(); }

 private:
  friend class Engine;
  struct Op {
    enum class Kind { kPut, kDelete, kMerge, kRewriteChange };
    Kind kind;
    Family family;  // kMetaFamily for metadata
    std::string key;
    std::string value;
  };
  static constexpr Family kMetaFamily = -1;
  struct Change {
    std::string value;
    std::vector<std::pair<Family, std::string>> traced_under;
  };
  std::vector<Op> ops_;
  std::vector<Change> changes_;
  bool defer_sync_ = false;
};

// A consistent point-in-time view for multi-key reads. Must not outlive the
// engine that took it.
class Snapshot {
 public:
  ~Snapshot();
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;

 private:
  friend class Engine;
  Snapshot(rocksdb::DB* db, const rocksdb::Snapshot* snapshot) : db_(db), snapshot_(snapshot) {}
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snapshot_;
};

// Which keys a scan visits, in key order (or reverse key order).
struct ScanRange {
  // Only keys starting with this prefix.
  std::string prefix;
  // Resume strictly after this key (strictly before it when reverse); empty
  // means from the first (last) key of the prefix.
  std::string start_after;
  // Forward scans only: stop before this key; empty means the prefix's end.
  std::string end_before;
  bool reverse = false;
};

// The metadata key CheckWritable writes (empty): nothing reads it.
inline constexpr char kWritableProbeKey[] = "engine/writable_probe";

class Engine final : public StorageAdmin {
 public:
  // Opens (or creates) the database, migrating an older layout first.
  // FailedPrecondition when the stored schema version is newer than
  // options.schema_version or has no migration; Unavailable when the folder
  // is locked by another process or unreadable.
  static absl::StatusOr<std::unique_ptr<Engine>> Open(EngineOptions options);
  // Closes the database cleanly (no recovery needed at the next open).
  ~Engine() override;

  // NotFound when the key is absent.
  absl::StatusOr<std::string> Get(Family family, std::string_view key,
                                  const Snapshot* snapshot = nullptr) const;
  // The value at `key`, nullopt when the key is absent.
  absl::StatusOr<std::optional<std::string>> Find(Family family, std::string_view key,
                                                  const Snapshot* snapshot = nullptr) const;
  // One value per key, nullopt for absent keys, read at one point in time.
  absl::StatusOr<std::vector<std::optional<std::string>>> MultiGet(
      Family family, const std::vector<std::string>& keys,
      const Snapshot* snapshot = nullptr) const;

  // Applies the batch atomically and durably (see EngineOptions::sync_writes)
  // and returns the sequence numbers given to its change-log entries, in
  // order. Sequences increase strictly across the engine's life; a failed
  // write leaves its numbers unused.
  absl::StatusOr<std::vector<uint64_t>> Write(WriteBatch batch);
  // The same, calling `committed(sequences)` once the batch is committed and
  // readable but before its sequences count in CommittedChangeSequence(): a
  // reader of that watermark knows that whatever `committed` does for the
  // changes up to it is done. Not called when the write fails.
  absl::StatusOr<std::vector<uint64_t>> Write(
      WriteBatch batch, absl::FunctionRef<void(absl::Span<const uint64_t>)> committed);

  // The counters at `key` of a counter family, `size` of them (zeros for
  // absent ones).
  absl::StatusOr<std::vector<int64_t>> GetCounters(Family family, std::string_view key, size_t size,
                                                   const Snapshot* snapshot = nullptr) const;

  // What a scan's visitor answers: whether to go on, or an error that ends
  // the scan and is returned by it (after any error of the engine's own).
  using Visit = absl::StatusOr<bool>;

  // Calls visit(key, value) for each key in range until it returns false.
  absl::Status Scan(Family family, const ScanRange& range,
                    absl::FunctionRef<Visit(std::string_view key, std::string_view value)> visit,
                    const Snapshot* snapshot = nullptr) const;

  std::unique_ptr<Snapshot> TakeSnapshot() const;

  // Calls visit(sequence, value) for the change-log entries after `after`,
  // in sequence order, up to CommittedChangeSequence(), until it returns
  // false.
  absl::Status ScanChanges(
      uint64_t after,
      absl::FunctionRef<Visit(uint64_t sequence, std::string_view value)> visit) const;
  // The same for the entries `snapshot` holds: all of them after `after`,
  // committed by definition, whatever is in flight since.
  absl::Status ScanChanges(
      uint64_t after, const Snapshot& snapshot,
      absl::FunctionRef<Visit(uint64_t sequence, std::string_view value)> visit) const;

  // Every change-log entry with a sequence up to this one is committed and
  // readable; a reader of the change log must not pass it (entries above it
  // may still be in flight and commit out of order).
  uint64_t CommittedChangeSequence() const;
  // The highest sequence given to a change so far, committed or not.
  uint64_t LastChangeSequence() const;

  // A small named value kept as engine metadata ("marker/<name>"), durably:
  // "" when absent; setting "" removes it.
  absl::StatusOr<std::string> Marker(const std::string& name) const;
  absl::Status SetMarker(const std::string& name, const std::string& value);

  // Engine metadata written with WriteBatch::PutMeta. NotFound when absent.
  absl::StatusOr<std::string> GetMeta(std::string_view key) const;
  // The metadata at `key`; when absent, `fresh` is written and returned (of
  // two first callers, the one that writes first wins for both).
  absl::StatusOr<std::string> KeepMeta(std::string_view key, const std::string& fresh);

  // RocksDB's estimates for each family of EngineOptions::families.
  std::vector<RecordKindStats> Stats() const override;
  // A synced write of a probe key: what the disk answers now (a full,
  // failed or read-only disk, a background error that stopped writes).
  // After a background error it asks RocksDB to resume first, so that the
  // answer turns OK again once the cause is gone.
  absl::Status CheckWritable() override;
  // Flushes every family and compacts each to its last level, so that the
  // bytes of deleted and overwritten values leave the disk (the write-ahead
  // logs they were in are deleted once flushed).
  absl::Status ReclaimDeleted() override;

  // Online backup into backup_dir (a RocksDB BackupEngine folder, created
  // when missing; backups there share unchanged files).
  absl::StatusOr<BackupInfo> CreateBackup(const std::string& backup_dir) override;
  absl::StatusOr<std::vector<BackupInfo>> ListBackups(const std::string& backup_dir) const override;
  // Offline: restores the newest backup of backup_dir into db_dir, which
  // must not be open.
  static absl::Status RestoreLatestBackup(const std::string& backup_dir, const std::string& db_dir);

  const EngineOptions& options() const { return options_; }

 private:
  Engine(EngineOptions options, rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*> handles);
  rocksdb::ColumnFamilyHandle* Handle(Family family) const;
  absl::Status LoadChangeSequence();
  // The change-log entries after `after`, up to `up_to` when given, as
  // `snapshot` sees them (null: the latest state).
  absl::Status ScanChangeRange(uint64_t after, std::optional<uint64_t> up_to,
                               const Snapshot* snapshot,
                               absl::FunctionRef<Visit(uint64_t, std::string_view)> visit) const;
  // Records the version of a new database, migrates an older one.
  absl::Status CheckSchemaVersion();
  absl::Status SetSchemaVersion(uint32_t version);

  EngineOptions options_;
  rocksdb::DB* db_;
  // handles_[0] is "default"; handles_[f + 1] is family f.
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;

  mutable absl::Mutex change_mu_;
  uint64_t next_change_ ABSL_GUARDED_BY(change_mu_) = 1;
  std::set<uint64_t> in_flight_changes_ ABSL_GUARDED_BY(change_mu_);
  // Makes KeepMeta's read and write one step.
  absl::Mutex keep_meta_mu_;

  // Syncs the WAL within deferred_sync_bound of a deferred write; started
  // by the first one.
  void SyncDeferredWrites();
  absl::Mutex sync_mu_;
  bool unsynced_ ABSL_GUARDED_BY(sync_mu_) = false;
  bool closing_ ABSL_GUARDED_BY(sync_mu_) = false;
  std::thread syncer_ ABSL_GUARDED_BY(sync_mu_);
};

}  // namespace trustsphere::storage
