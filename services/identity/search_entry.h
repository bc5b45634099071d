#pragma once

// What the search index keeps of a person (records.proto SearchEntry),
// computed in one place for every write that changes a name, a choice to
// be found or the organisations of the positions.

#include <string>
#include <vector>

#include "records.pb.h"
#include "trustsphere/identity/v1/identity.pb.h"

namespace trustsphere::identity {

// The person's choice: true unless they set it false.
inline bool Discoverable(const v1::Person& person) {
  return !person.has_discoverable() || person.discoverable();
}

// The distinct words of a normalised key, sorted.
std::vector<std::string> WordsOf(const std::string& key);

// The distinct organisation keys of `positions`, sorted.
std::vector<std::string> OrganizationKeysOf(const std::vector<v1::Position>& positions);

// The entry of a live person: their name's key, its distinct words (none
// when they are not discoverable) and `organization_keys`.
internal::SearchEntry SearchEntryOf(const v1::Person& person,
                                    const std::vector<std::string>& organization_keys);

// The same entry with the organisations it already names.
inline internal::SearchEntry Reindexed(const internal::PersonRecord& record) {
  return SearchEntryOf(record.person(), {record.search().organization_keys().begin(),
                                         record.search().organization_keys().end()});
}

}  // namespace trustsphere::identity
