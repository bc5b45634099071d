#include "services/recommendations/recommendations_keys.h"

#include "storage/key_encoding.h"

namespace trustsphere::recommendations::keys {

using storage::KeyBuilder;
using storage::KeyReader;

std::vector<std::string> FamilyNames() {
  return {"recommendations",
          "versions",
          "by_subject",
          "by_author",
          "by_pair",
          "requests",
          "requests_by_author",
          "requests_by_subject",
          "shares",
          "share_tokens",
          "shares_by_subject",
          "access_log",
          "idempotency",
          "requests_by_pair",
          "blocks",
          "access_entries"};
}

std::vector<Family> PrefixedFamilies() {
  return {kVersions,         kBySubject,         kByAuthor,        kByPair,
          kRequestsByAuthor, kRequestsBySubject, kSharesBySubject, kAccessLog,
          kIdempotency,      kRequestsByPair,    kBlocks};
}

std::string Id(const std::string& id) { return id; }

std::string Version(const std::string& id, uint32_t version) {
  return KeyBuilder().Str(id).U32(version).Build();
}

std::string VersionsPrefix(const std::string& id) { return KeyBuilder().Str(id).Build(); }

std::string Timeline(const std::string& person, int64_t micros, const std::string& id) {
  return KeyBuilder().Str(person).U64(static_cast<uint64_t>(micros)).Tail(id).Build();
}

std::string TimelinePrefix(const std::string& person) { return KeyBuilder().Str(person).Build(); }

std::string IdOfTimeline(std::string_view key) {
  KeyReader reader(key);
  std::string person;
  uint64_t micros = 0;
  std::string id;
  if (!reader.Str(&person) || !reader.U64(&micros)) return "";
  reader.Tail(&id);
  return id;
}

int64_t MicrosOfTimeline(std::string_view key) {
  KeyReader reader(key);
  std::string person;
  uint64_t micros = 0;
  if (!reader.Str(&person) || !reader.U64(&micros)) return 0;
  return static_cast<int64_t>(micros);
}

std::string Pair(const std::string& author, const std::string& subject, const std::string& id) {
  return KeyBuilder().Str(author).Str(subject).Tail(id).Build();
}

std::string PairPrefix(const std::string& author, const std::string& subject) {
  return KeyBuilder().Str(author).Str(subject).Build();
}

std::string IdOfPair(std::string_view key) {
  KeyReader reader(key);
  std::string author;
  std::string subject;
  std::string id;
  if (!reader.Str(&author) || !reader.Str(&subject)) return "";
  reader.Tail(&id);
  return id;
}

std::string Block(const std::string& author, const std::string& requester) {
  return KeyBuilder().Str(author).Tail(requester).Build();
}

std::string BlocksPrefix(const std::string& author) { return KeyBuilder().Str(author).Build(); }

std::string RequesterOfBlock(std::string_view key) {
  KeyReader reader(key);
  std::string author;
  std::string requester;
  if (!reader.Str(&author)) return "";
  reader.Tail(&requester);
  return requester;
}

std::string ShareToken(const std::string& token_hash) { return token_hash; }

std::string Idempotency(const std::string& caller, const std::string& request_id) {
  return KeyBuilder().Str(caller).Tail(request_id).Build();
}

}  // namespace trustsphere::recommendations::keys
