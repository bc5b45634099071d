#include "services/relationships/relationships_keys.h"

#include "storage/key_encoding.h"

namespace trustsphere::relationships::keys {

using storage::KeyBuilder;

std::vector<std::string> FamilyNames() {
  return {"statements", "incoming", "references", "pending",
          "facets",     "requests", "changes",    "counters"};
}

std::string Pair(const std::string& first, const std::string& second) {
  return KeyBuilder().Str(first).Tail(second).Build();
}

std::string PairPrefix(const std::string& first) { return KeyBuilder().Str(first).Build(); }

std::string FirstOfPair(std::string_view key) {
  std::string first;
  storage::KeyReader(key).Str(&first);
  return first;
}

std::string SecondOfPair(std::string_view key) {
  storage::KeyReader reader(key);
  std::string first;
  std::string second;
  if (!reader.Str(&first)) return "";
  reader.Tail(&second);
  return second;
}

std::string FacetPrefix(const std::string& subject, uint8_t kind, const std::string& facet_key) {
  return KeyBuilder().Str(subject).U8(kind).Str(facet_key).Build();
}

std::string Facet(const std::string& subject, uint8_t kind, const std::string& facet_key,
                  const std::string& truster) {
  return KeyBuilder().Str(subject).U8(kind).Str(facet_key).Tail(truster).Build();
}

std::string TrusterOfFacet(std::string_view key, size_t prefix_size) {
  return std::string(key.substr(prefix_size));
}

std::string Request(const std::string& caller, const std::string& request_id) {
  return KeyBuilder().Str(caller).Tail(request_id).Build();
}

std::string Counters(const std::string& person) { return person; }

}  // namespace trustsphere::relationships::keys
