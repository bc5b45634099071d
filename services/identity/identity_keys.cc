#include "services/identity/identity_keys.h"

namespace trustsphere::identity::keys {

using storage::KeyBuilder;

std::vector<std::string> FamilyNames() {
  return {"persons",  "emails",  "positions", "positions_by_person", "positions_by_org", "tags",
          "requests", "changes", "sessions",  "sessions_by_person",  "search_words"};
}

std::string Person(const std::string& person_id) { return person_id; }

std::string Email(const std::string& normalized_email) { return normalized_email; }

std::string Position(const std::string& position_id) { return position_id; }

std::string PersonPositionsPrefix(const std::string& person_id) {
  return KeyBuilder().Str(person_id).Build();
}

std::string PersonPosition(const std::string& person_id, uint32_t start_month,
                           const std::string& position_id) {
  return KeyBuilder().Str(person_id).U32(start_month).Tail(position_id).Build();
}

std::string OrgPrefix(const std::string& organization_key) {
  return KeyBuilder().Str(organization_key).Build();
}

std::string OrgPositionsStartingBefore(const std::string& organization_key, uint32_t month) {
  return KeyBuilder().Str(organization_key).U32(month).Build();
}

std::string OrgPosition(const std::string& organization_key, uint32_t start_month,
                        const std::string& position_id) {
  return KeyBuilder().Str(organization_key).U32(start_month).Tail(position_id).Build();
}

std::string PositionIdOfIndexKey(std::string_view key) {
  // Both index layouts are Str(...) U32(start month) Tail(position id).
  storage::KeyReader reader(key);
  std::string ignored;
  uint32_t start = 0;
  std::string position_id;
  if (!reader.Str(&ignored) || !reader.U32(&start)) return "";
  reader.Tail(&position_id);
  return position_id;
}

std::string TagPrefix(uint8_t kind, const std::string& key_prefix) {
  return KeyBuilder().U8(kind).Tail(key_prefix).Build();
}

std::string Tag(uint8_t kind, const std::string& key) { return TagPrefix(kind, key); }

std::string Request(const std::string& scope, const std::string& method,
                    const std::string& request_id) {
  return KeyBuilder().Str(scope).Str(method).Tail(request_id).Build();
}

std::string Session(const std::string& session_id) { return session_id; }

std::string PersonSessionsPrefix(const std::string& person_id) {
  return KeyBuilder().Str(person_id).Build();
}

std::string PersonSession(const std::string& person_id, uint64_t create_micros,
                          const std::string& session_id) {
  return KeyBuilder().Str(person_id).U64(create_micros).Tail(session_id).Build();
}

std::string SessionIdOfIndexKey(std::string_view key) {
  storage::KeyReader reader(key);
  std::string ignored;
  uint64_t create_micros = 0;
  std::string session_id;
  if (!reader.Str(&ignored) || !reader.U64(&create_micros)) return "";
  reader.Tail(&session_id);
  return session_id;
}

std::string SearchWord(const std::string& word, const std::string& person_id) {
  std::string key = word;
  key.push_back('\0');
  key += person_id;
  return key;
}

std::pair<std::string, std::string> SplitSearchWord(std::string_view key) {
  const size_t zero = key.find('\0');
  if (zero == std::string_view::npos) return {"", ""};
  return {std::string(key.substr(0, zero)), std::string(key.substr(zero + 1))};
}

}  // namespace trustsphere::identity::keys
