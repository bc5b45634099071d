// SearchPeople: finding a colleague by name. The index holds one entry per
// word of each discoverable person's normalised name, with the person's
// organisations, so bounded scans of the query's words rank the candidates
// without reading their records; only the page shown is read.

#include <algorithm>
#include <tuple>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "services/common/core/log.h"
#include "services/common/core/text.h"
#include "services/common/core/validation.h"
#include "services/identity/identity_logic.h"
#include "services/identity/identity_validation.h"
#include "services/identity/search_entry.h"

namespace trustsphere::identity {
namespace {

// How well a name matches: lower is better.
enum class Match { kWholeName = 0, kWholeWords = 1, kPrefixes = 2 };

// The match of a candidate, nullopt when some query word starts no word of
// the name.
std::optional<Match> MatchOf(const std::vector<std::string>& query_words,
                             const std::string& query_key, const internal::SearchEntry& entry) {
  bool whole_words = true;
  for (const auto& query_word : query_words) {
    bool prefix = false, whole = false;
    for (const auto& word : entry.words()) {
      if (absl::StartsWith(word, query_word)) prefix = true;
      if (word == query_word) whole = true;
    }
    if (!prefix) return std::nullopt;
    whole_words = whole_words && whole;
  }
  if (entry.name_key() == query_key) return Match::kWholeName;
  return whole_words ? Match::kWholeWords : Match::kPrefixes;
}

bool SharesOrganization(const internal::SearchEntry& entry,
                        const absl::flat_hash_set<std::string>& caller_organizations) {
  return std::any_of(entry.organization_keys().begin(), entry.organization_keys().end(),
                     [&](const std::string& key) { return caller_organizations.contains(key); });
}

struct Candidate {
  Match match;
  bool stranger;  // shares no organisation with the caller
  std::string name_key;
  std::string person_id;

  bool operator<(const Candidate& other) const {
    return std::tie(match, stranger, name_key, person_id) <
           std::tie(other.match, other.stranger, other.name_key, other.person_id);
  }
};

// A page's cursor: the last candidate shown, as
// <match digit><stranger digit><name key size>:<name key><person id>.
std::string CursorOf(const Candidate& last) {
  return absl::StrCat(static_cast<int>(last.match), last.stranger ? 1 : 0, last.name_key.size(),
                      ":", last.name_key, last.person_id);
}

std::optional<Candidate> ParseCandidate(absl::string_view cursor) {
  if (cursor.size() < 4 || cursor[0] < '0' || cursor[0] > '2' ||
      (cursor[1] != '0' && cursor[1] != '1')) {
    return std::nullopt;
  }
  const size_t colon = cursor.find(':', 2);
  size_t name_size = 0;
  if (colon == absl::string_view::npos ||
      !absl::SimpleAtoi(cursor.substr(2, colon - 2), &name_size) ||
      name_size > cursor.size() - colon - 1) {
    return std::nullopt;
  }
  return Candidate{.match = static_cast<Match>(cursor[0] - '0'),
                   .stranger = cursor[1] == '1',
                   .name_key = std::string(cursor.substr(colon + 1, name_size)),
                   .person_id = std::string(cursor.substr(colon + 1 + name_size))};
}

constexpr char kSearchIndexedMarker[] = "search indexed up to";
// Entries read of each query word before the full scan.
constexpr int kSearchProbe = 64;

}  // namespace

absl::StatusOr<v1::SearchPeopleResponse> IdentityLogic::SearchPeople(
    const Caller& caller, const v1::SearchPeopleRequest& request) {
  FieldErrors errors;
  CheckText(errors, "name_prefix", request.name_prefix(), 1, kMaxDisplayName);
  CheckText(errors, "organization", request.organization(), 0, kMaxOrganization);
  const int page_size = PageSize(errors, request.page_size());
  if (!errors.empty()) return errors.ToStatus();
  const std::string query_key = NormalizeKey(request.name_prefix());
  if (query_key.empty()) {
    errors.Add("name_prefix", "nothing left once invisible characters are removed");
    return errors.ToStatus();
  }
  const std::string organization_key = NormalizeKey(request.organization());
  const std::string query =
      absl::StrCat("SearchPeople\n", caller.person_id, "\n", query_key, "\n", organization_key);
  auto cursor = page_tokens_.Decode(query, request.page_token());
  if (!cursor.ok()) return cursor.status();
  std::optional<Candidate> after;
  if (!cursor->empty()) {
    after = ParseCandidate(*cursor);
    if (!after) {
      errors.Add("page_token", "not a page of this query");
      return errors.ToStatus();
    }
  }

  const std::vector<std::string> query_words = WordsOf(query_key);
  if (query_words.size() > kMaxSearchWords) {
    errors.Add("name_prefix", absl::StrCat("at most ", kMaxSearchWords, " words"));
    return errors.ToStatus();
  }
  // The candidates are the entries of the word with the fewest. A scan
  // that stops short of its bound holds every match, so a common first name
  // beside a rarer surname still finds the surname's holders. Each word is
  // probed with a few entries first: when one fits, the common words'
  // thousands are never read.
  std::vector<SearchHit> hits;
  for (const int bound : {kSearchProbe, kMaxSearchScan}) {
    hits.clear();
    for (const auto& word : query_words) {
      auto scanned = store_->SearchWords(word, bound);
      if (!scanned.ok()) return scanned.status();
      if (&word == &query_words.front() || scanned->size() < hits.size()) {
        hits = std::move(*scanned);
      }
    }
    if (hits.size() < static_cast<size_t>(bound)) break;
  }

  absl::flat_hash_set<std::string> caller_organizations;
  if (!caller.person_id.empty()) {
    auto me = store_->Person(caller.person_id);
    if (!me.ok()) return me.status();
    if (me->has_value()) {
      caller_organizations.insert((*me)->search().organization_keys().begin(),
                                  (*me)->search().organization_keys().end());
    }
  }

  std::vector<Candidate> candidates;
  absl::flat_hash_set<std::string> seen;
  for (const SearchHit& hit : hits) {
    if (!seen.insert(hit.person_id).second) continue;
    const std::optional<Match> match = MatchOf(query_words, query_key, hit.entry);
    if (!match) continue;
    if (!organization_key.empty() &&
        std::find(hit.entry.organization_keys().begin(), hit.entry.organization_keys().end(),
                  organization_key) == hit.entry.organization_keys().end()) {
      continue;
    }
    candidates.push_back({*match, !SharesOrganization(hit.entry, caller_organizations),
                          hit.entry.name_key(), hit.person_id});
  }
  std::sort(candidates.begin(), candidates.end());

  // Resumed after the last one shown, by rank: a page never repeats a
  // person, and a change between pages skips only who moved up past it.
  const auto first =
      after ? std::upper_bound(candidates.begin(), candidates.end(), *after) : candidates.begin();
  const auto end = candidates.end() - first > page_size ? first + page_size : candidates.end();
  std::vector<std::string> ids;
  for (auto it = first; it != end; ++it) ids.push_back(it->person_id);
  v1::SearchPeopleResponse response;
  auto records = store_->Persons(ids);
  if (!records.ok()) return records.status();
  for (const auto& record : *records) {
    // The index and the records are read apart: a person changed since
    // is shown only if still live and findable.
    if (record.person().state() != v1::PERSON_STATE_ACTIVE || !Discoverable(record.person())) {
      continue;
    }
    *response.add_persons() = ShownTo(record.person(), caller);
  }
  if (end != candidates.end()) {
    response.set_next_page_token(page_tokens_.NextPageToken(query, CursorOf(*(end - 1))));
  }
  return response;
}

absl::StatusOr<int> IdentityLogic::IndexForSearch() {
  const absl::Time started = absl::Now();
  int indexed = 0;
  // Resumed where the last start stopped: people created since were
  // indexed by their sign-up, unless a replica of an earlier release
  // (during a rolling upgrade) signed them up.
  auto marker = store_->Marker(kSearchIndexedMarker);
  if (!marker.ok()) return marker.status();
  uint64_t after = 0;
  if (!marker->empty() && !absl::SimpleAtoi(*marker, &after)) {
    return absl::DataLossError(absl::StrCat("unreadable marker ", kSearchIndexedMarker));
  }
  const uint64_t from = after;
  while (true) {
    auto changes = store_->Changes(after, 1000);
    if (!changes.ok()) return changes.status();
    if (changes->empty()) break;
    after = changes->back().sequence;
    std::vector<std::string> created;
    for (const auto& change : *changes) {
      if (change.change.kind() == internal::Change::KIND_PERSON_CREATED) {
        created.push_back(change.change.person_id());
      }
    }
    for (size_t start = 0; start < created.size(); start += kMaxBatchGet) {
      const std::vector<std::string> batch(
          created.begin() + start,
          created.begin() + std::min(created.size(), start + kMaxBatchGet));
      auto records = store_->Persons(batch);
      if (!records.ok()) return records.status();
      std::vector<std::string> lock_keys;
      for (const auto& record : *records) {
        if (!record.has_search() && record.person().state() == v1::PERSON_STATE_ACTIVE) {
          lock_keys.push_back("person:" + record.person().id());
        }
      }
      if (lock_keys.empty()) continue;
      auto guard = locks_.Lock(lock_keys);
      // Read again under the locks: a write may have indexed them since.
      records = store_->Persons(batch);
      if (!records.ok()) return records.status();
      IdentityWrite write;
      int written = 0;
      for (const auto& record : *records) {
        if (record.has_search() || record.person().state() != v1::PERSON_STATE_ACTIVE) continue;
        auto entry = SearchEntryWithPositions(record.person());
        if (!entry.ok()) return entry.status();
        internal::PersonRecord updated = record;
        *updated.mutable_search() = std::move(*entry);
        write.PutPerson(std::move(updated), record);
        ++written;
      }
      // Refused when another replica, starting too, indexed one of them
      // first: that batch is left to it.
      if (absl::Status applied = store_->Apply(write); absl::IsAborted(applied)) {
        continue;
      } else if (!applied.ok()) {
        return applied;
      }
      indexed += written;
    }
    if (changes->size() < 1000) break;
  }
  if (after != from) {
    if (absl::Status kept = store_->SetMarker(kSearchIndexedMarker, absl::StrCat(after));
        !kept.ok()) {
      return kept;
    }
  }
  if (indexed > 0) {
    Log(LogLevel::kInfo, "people indexed for search",
        {F("people", indexed), F("seconds", absl::ToDoubleSeconds(absl::Now() - started))});
  }
  return indexed;
}

}  // namespace trustsphere::identity
