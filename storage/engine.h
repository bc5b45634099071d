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
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace rocksdb {
class DB;
class Env;
class ColumnFamilyHandle;
class Snapshot;
}  // namespace rocksdb

namespace trustsphere::storage {

// A column family: an index into EngineOptions::families.
using Family = int;

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
  // existing one with another version is refused.
  uint32_t schema_version = 1;
  // true: a write is acknowledged only once its WAL record is synced to disk
  // (survives power loss). false: once it is in the OS page cache (survives
  // a process crash, not a power loss).
  bool sync_writes = true;
  // Shared LRU cache for data, index and filter blocks.
  size_t block_cache_bytes = 64 << 20;
  // Families whose keys start with a length-prefixed part (KeyBuilder::Str)
  // that every scan of the family fixes, such as the person in
  // Str(person) Tail(other). Their filters also index that first part, so a
  // scan of one person's entries skips files that hold none.
  std::vector<Family> prefixed_families;
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
  // Appends a change-log entry; Engine::Write assigns its sequence number.
  void AppendChange(std::string_view value);
  // Engine metadata (the "default" family), such as per-service secrets.
  void PutMeta(std::string_view key, std::string_view value);

  bool empty() const { return ops_.empty() && changes_.empty(); }

 private:
  friend class Engine;
  struct Op {
    Family family;  // kMetaFamily for metadata
    std::string key;
    std::optional<std::string> value;  // nullopt: delete
  };
  static constexpr Family kMetaFamily = -1;
  std::vector<Op> ops_;
  std::vector<std::string> changes_;
};

class Engine;

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

struct FamilyStats {
  std::string name;
  uint64_t estimated_keys = 0;
  uint64_t sst_bytes = 0;
  uint64_t memtable_bytes = 0;
  uint64_t pending_compaction_bytes = 0;
};

struct BackupInfo {
  uint32_t id = 0;
  int64_t unix_seconds = 0;
  uint64_t size_bytes = 0;
  uint32_t file_count = 0;
};

class Engine {
 public:
  // Opens (or creates) the database. FailedPrecondition when the stored
  // schema version differs from options.schema_version; Unavailable when the
  // folder is locked by another process or unreadable.
  static absl::StatusOr<std::unique_ptr<Engine>> Open(EngineOptions options);
  // Closes the database cleanly (no recovery needed at the next open).
  ~Engine();

  // NotFound when the key is absent.
  absl::StatusOr<std::string> Get(Family family, std::string_view key,
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

  // Calls visit(key, value) for each key in range until it returns false.
  absl::Status Scan(Family family, const ScanRange& range,
                    absl::FunctionRef<bool(std::string_view key, std::string_view value)> visit,
                    const Snapshot* snapshot = nullptr) const;

  std::unique_ptr<Snapshot> TakeSnapshot() const;

  // Every change-log entry with a sequence up to this one is committed and
  // readable; a reader of the change log must not pass it (entries above it
  // may still be in flight and commit out of order).
  uint64_t CommittedChangeSequence() const;

  // Engine metadata written with WriteBatch::PutMeta. NotFound when absent.
  absl::StatusOr<std::string> GetMeta(std::string_view key) const;

  // RocksDB's estimates for each family of EngineOptions::families.
  std::vector<FamilyStats> Stats() const;

  // Online backup into backup_dir (a RocksDB BackupEngine folder, created
  // when missing; backups there share unchanged files).
  absl::StatusOr<BackupInfo> CreateBackup(const std::string& backup_dir);
  static absl::StatusOr<std::vector<BackupInfo>> ListBackups(const std::string& backup_dir);
  // Offline: restores the newest backup of backup_dir into db_dir, which
  // must not be open.
  static absl::Status RestoreLatestBackup(const std::string& backup_dir, const std::string& db_dir);

  const EngineOptions& options() const { return options_; }

 private:
  Engine(EngineOptions options, rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*> handles);
  rocksdb::ColumnFamilyHandle* Handle(Family family) const;
  absl::Status LoadChangeSequence();
  absl::Status CheckSchemaVersion();

  EngineOptions options_;
  rocksdb::DB* db_;
  // handles_[0] is "default"; handles_[f + 1] is family f.
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;

  mutable absl::Mutex change_mu_;
  uint64_t next_change_ ABSL_GUARDED_BY(change_mu_) = 1;
  std::set<uint64_t> in_flight_changes_ ABSL_GUARDED_BY(change_mu_);
};

}  // namespace trustsphere::storage
