#pragma once

// The recommendations service's key layout, encoded here and nowhere else;
// written down in storage/KEY_LAYOUT.md. Family names and numbers reach
// disk: never reorder, rename or reuse them.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/engine.h"

namespace trustsphere::recommendations::keys {

using storage::Family;

inline constexpr Family kRecommendations = 0;
inline constexpr Family kVersions = 1;
inline constexpr Family kBySubject = 2;
inline constexpr Family kByAuthor = 3;
inline constexpr Family kByPair = 4;
inline constexpr Family kRequests = 5;
inline constexpr Family kRequestsByAuthor = 6;
inline constexpr Family kRequestsBySubject = 7;
inline constexpr Family kShares = 8;
inline constexpr Family kShareTokens = 9;
inline constexpr Family kSharesBySubject = 10;
inline constexpr Family kAccessLog = 11;
inline constexpr Family kIdempotency = 12;
// Since schema version 2.
inline constexpr Family kRequestsByPair = 13;
inline constexpr Family kBlocks = 14;
// Since schema version 3.
inline constexpr Family kAccessEntries = 15;

// 1: the first layout. 2: adds requests_by_pair (filled from the requests
// by a migration at open) and blocks. 3: an access entry is kept once in
// access_entries and the access_log of each reader names it (entries
// written before keep their inline copies).
inline constexpr uint32_t kSchemaVersion = 3;

std::vector<std::string> FamilyNames();
std::vector<Family> PrefixedFamilies();

// recommendations, requests, shares: <id>
std::string Id(const std::string& id);
// versions: Str(recommendation id) U32(version)
std::string Version(const std::string& id, uint32_t version);
std::string VersionsPrefix(const std::string& id);
// by_subject, by_author, requests_by_*, shares_by_subject, access_log:
// Str(person) U64(microseconds since epoch) Tail(id); reverse scans list
// newest first.
std::string Timeline(const std::string& person, int64_t micros, const std::string& id);
std::string TimelinePrefix(const std::string& person);
// The id at the end of a Timeline key, and its time.
std::string IdOfTimeline(std::string_view key);
int64_t MicrosOfTimeline(std::string_view key);
// by_pair: Str(author) Str(subject) Tail(recommendation id)
std::string Pair(const std::string& author, const std::string& subject, const std::string& id);
std::string PairPrefix(const std::string& author, const std::string& subject);
std::string IdOfPair(std::string_view key);
// requests_by_pair: Str(author) Str(subject) Tail(request id) -> empty
// (the same layout as by_pair).
// blocks: Str(author) Tail(requester) -> BlockedRequester
std::string Block(const std::string& author, const std::string& requester);
std::string BlocksPrefix(const std::string& author);
// The requester at the end of a blocks key ("" when malformed).
std::string RequesterOfBlock(std::string_view key);
// share_tokens: <SHA-256 of the token> -> share id
std::string ShareToken(const std::string& token_hash);
// idempotency: Str(caller) Tail(request id)
std::string Idempotency(const std::string& caller, const std::string& request_id);

// Engine metadata: the cursor of the relationships change stream consumed.
inline constexpr char kWatchCursorMeta[] = "recommendations/trust_watch_cursor";

}  // namespace trustsphere::recommendations::keys
