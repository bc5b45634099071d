#pragma once

// Everything a running server has stored, read from outside the server: its
// RocksDB folder opened as a secondary instance (which tails the primary's
// files and WAL without locking it). Tests compare two readings to prove
// that a refused call changed nothing.

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace trustsphere::testing {

// "family/key" -> value, for every key of every column family. Fails the
// calling test (and returns what it read) on an error.
using DatabaseContents = std::map<std::string, std::string>;
DatabaseContents ReadDatabase(const std::string& path);

// The keys added, removed or changed between two readings, for a failure
// message; empty when the readings are equal.
std::string DescribeDifference(const DatabaseContents& before, const DatabaseContents& after);

// The databases in `paths` once they stop changing: read again every `quiet`
// until two readings in a row agree (the servers' background writes, such as
// tag uses sent each period or the change stream's consumer, have landed), for
// at most `deadline`; fails the calling test if they never settle. Keyed by
// path.
std::map<std::string, DatabaseContents> SettledDatabases(
    const std::vector<std::string>& paths,
    std::chrono::milliseconds quiet = std::chrono::milliseconds(400),
    std::chrono::milliseconds deadline = std::chrono::milliseconds(30000));

// The files under `dir` whose raw bytes hold `needle`: what a search of
// the disk finds of erased data.
std::vector<std::string> FilesHolding(const std::string& dir, const std::string& needle);

}  // namespace trustsphere::testing
