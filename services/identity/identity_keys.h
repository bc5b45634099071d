#pragma once

// The identity service's key layout, encoded here and nowhere else; written
// down in storage/KEY_LAYOUT.md. Family names and numbers reach disk: never
// reorder, rename or reuse them.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/engine.h"
#include "storage/key_encoding.h"

namespace trustsphere::identity::keys {

using storage::Family;

inline constexpr Family kPersons = 0;
inline constexpr Family kEmails = 1;
inline constexpr Family kPositions = 2;
inline constexpr Family kPositionsByPerson = 3;
inline constexpr Family kPositionsByOrg = 4;
inline constexpr Family kTags = 5;
inline constexpr Family kRequests = 6;
inline constexpr Family kChanges = 7;
inline constexpr Family kSessions = 8;
inline constexpr Family kSessionsByPerson = 9;
inline constexpr Family kSearchWords = 10;

// 2: sessions and sessions_by_person (empty families added at open).
// 3: search_words (added empty; IdentityLogic::IndexForSearch fills it).
inline constexpr uint32_t kSchemaVersion = 3;

std::vector<std::string> FamilyNames();

// persons: <person id>
std::string Person(const std::string& person_id);
// emails: <normalised email> -> person id
std::string Email(const std::string& normalized_email);
// positions: <position id>
std::string Position(const std::string& position_id);
// positions_by_person: Str(person id) U32(start month) <position id>
std::string PersonPositionsPrefix(const std::string& person_id);
std::string PersonPosition(const std::string& person_id, uint32_t start_month,
                           const std::string& position_id);
// positions_by_org: Str(organization key) U32(start month) <position id>
std::string OrgPrefix(const std::string& organization_key);
std::string OrgPositionsStartingBefore(const std::string& organization_key, uint32_t month);
std::string OrgPosition(const std::string& organization_key, uint32_t start_month,
                        const std::string& position_id);
// The position id at the end of a positions_by_person or positions_by_org
// key ("" when the key is malformed).
std::string PositionIdOfIndexKey(std::string_view key);
// tags: U8(facet kind) <tag key>
std::string TagPrefix(uint8_t kind, const std::string& key_prefix);
std::string Tag(uint8_t kind, const std::string& key);
// requests: Str(scope: caller id, "" for sign-up) Str(method) <request id>
std::string Request(const std::string& scope, const std::string& method,
                    const std::string& request_id);

// sessions: <session id>
std::string Session(const std::string& session_id);
// sessions_by_person: Str(person id) U64(login, µs since the epoch) <session id>
std::string PersonSessionsPrefix(const std::string& person_id);
std::string PersonSession(const std::string& person_id, uint64_t create_micros,
                          const std::string& session_id);
// The session id at the end of a sessions_by_person key ("" when malformed).
std::string SessionIdOfIndexKey(std::string_view key);
// search_words: <word> 0x00 <person id>. Raw bytes, not Str(): a scan of
// a word's prefix finds every longer word, and 0x00 (never in a word)
// sorts the word itself first.
std::string SearchWord(const std::string& word, const std::string& person_id);
// The word and person id of a search_words key (both "" when malformed).
std::pair<std::string, std::string> SplitSearchWord(std::string_view key);

}  // namespace trustsphere::identity::keys
