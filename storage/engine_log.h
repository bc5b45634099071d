#pragma once

// RocksDB's own log (its LOG file: options, flushes, compactions, errors),
// written by us rather than by RocksDB's file logger. That logger writes
// through the same file layer as the database, and once a write has failed
// it asserts on the next one (RocksDB 7.8): a disk that turns read-only
// would abort the server on the log line RocksDB writes about the error,
// before health could say NOT_SERVING. Ours writes with plain write(2) and
// drops a line the disk refuses.

#include <memory>
#include <string>

#include "rocksdb/env.h"

namespace trustsphere::storage {

// Appends to `path`; past `max_bytes` the file becomes `path`.old (one
// kept) and a new one starts. A file that cannot be opened gives a logger
// that drops every line.
std::shared_ptr<rocksdb::Logger> NewEngineLog(const std::string& path, size_t max_bytes);

}  // namespace trustsphere::storage
