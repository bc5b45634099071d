#include "services/identity/search_entry.h"

#include <algorithm>

#include "absl/strings/str_split.h"
#include "services/common/core/text.h"

namespace trustsphere::identity {

std::vector<std::string> WordsOf(const std::string& key) {
  std::vector<std::string> words = absl::StrSplit(key, ' ', absl::SkipEmpty());
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  return words;
}

std::vector<std::string> OrganizationKeysOf(const std::vector<v1::Position>& positions) {
  std::vector<std::string> keys;
  for (const auto& position : positions) keys.push_back(position.organization_key());
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

internal::SearchEntry SearchEntryOf(const v1::Person& person,
                                    const std::vector<std::string>& organization_keys) {
  internal::SearchEntry entry;
  entry.set_name_key(NormalizeKey(person.display_name()));
  if (Discoverable(person) && person.state() == v1::PERSON_STATE_ACTIVE) {
    for (auto& word : WordsOf(entry.name_key())) entry.add_words(std::move(word));
  }
  for (const auto& key : organization_keys) entry.add_organization_keys(key);
  return entry;
}

}  // namespace trustsphere::identity
