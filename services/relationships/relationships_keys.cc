#include "services/relationships/relationships_keys.h"

#include "storage/key_encoding.h"

namespace trustsphere::relationships::keys {

using storage::KeyBuilder;

std::vector<std::string> FamilyNames() {
  return {"statements", "incoming", "references", "pending", "facets",
          "requests",   "changes",  "counters",   "traces"};
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

namespace {
constexpr uint8_t kChangeTrace = 1;
constexpr uint8_t kRequestTrace = 2;
}  // namespace

std::string TracePrefix(const std::string& truster, const std::string& trustee) {
  return KeyBuilder().Str(truster).Str(trustee).Build();
}

std::string ChangeTracePrefix(const std::string& truster, const std::string& trustee) {
  return KeyBuilder().Str(truster).Str(trustee).U8(kChangeTrace).Build();
}

std::string ChangeTrace(const std::string& truster, const std::string& trustee, uint64_t sequence) {
  return KeyBuilder().Str(truster).Str(trustee).U8(kChangeTrace).U64(sequence).Build();
}

std::string RequestTrace(const std::string& truster, const std::string& trustee,
                         std::string_view request_key) {
  return KeyBuilder().Str(truster).Str(trustee).U8(kRequestTrace).Tail(request_key).Build();
}

uint64_t SequenceOfChange(std::string_view key) {
  uint64_t sequence = 0;
  storage::KeyReader reader(key);
  return reader.U64(&sequence) && reader.AtEnd() ? sequence : 0;
}

std::optional<Trace> TraceAfter(std::string_view key, size_t prefix_size) {
  if (key.size() < prefix_size) return std::nullopt;
  storage::KeyReader reader(key.substr(prefix_size));
  uint8_t kind = 0;
  if (!reader.U8(&kind)) return std::nullopt;
  Trace trace;
  if (kind == kChangeTrace) {
    if (!reader.U64(&trace.sequence) || !reader.AtEnd() || trace.sequence == 0) {
      return std::nullopt;
    }
    return trace;
  }
  if (kind != kRequestTrace) return std::nullopt;
  reader.Tail(&trace.request);
  if (trace.request.empty()) return std::nullopt;
  return trace;
}

}  // namespace trustsphere::relationships::keys
