#pragma once

// Everything a running server has stored, read from outside the server: its
// RocksDB folder opened as a secondary instance (which tails the primary's
// files and WAL without locking it). Tests compare two readings to prove
// that a refused call changed nothing.

#include <map>
#include <string>

namespace trustsphere::testing {

// "family/key" -> value, for every key of every column family. Fails the
// calling test (and returns what it read) on an error.
using DatabaseContents = std::map<std::string, std::string>;
DatabaseContents ReadDatabase(const std::string& path);

// The keys added, removed or changed between two readings, for a failure
// message; empty when the readings are equal.
std::string DescribeDifference(const DatabaseContents& before, const DatabaseContents& after);

}  // namespace trustsphere::testing
