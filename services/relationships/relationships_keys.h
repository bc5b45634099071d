#pragma once

// The relationships service's key layout, encoded here and nowhere else;
// written down in storage/KEY_LAYOUT.md. Family names and numbers reach
// disk: never reorder, rename or reuse them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/engine.h"

namespace trustsphere::relationships::keys {

using storage::Family;

inline constexpr Family kStatements = 0;
inline constexpr Family kIncoming = 1;
inline constexpr Family kReferences = 2;
inline constexpr Family kPending = 3;
inline constexpr Family kFacets = 4;
inline constexpr Family kRequests = 5;
inline constexpr Family kChanges = 6;
// Since schema version 2.
inline constexpr Family kCounters = 7;
// Since schema version 4.
inline constexpr Family kTraces = 8;

// 1: the first layout. 2: adds `counters`, filled from the statements by a
// migration at open. 3: the indexes (incoming, references, pending, facets,
// counters) may be left to the trust graph, as the engine metadata at
// kIndexesMeta says; builds before it would read them stale, so they refuse
// this version. 4: adds `traces`, filled from the change log and the
// request records by a migration at open.
inline constexpr uint32_t kSchemaVersion = 4;
// Engine metadata: kIndexesLeftToTheGraph once a store stopped keeping them.
inline constexpr char kIndexesMeta[] = "indexes";
inline constexpr char kIndexesLeftToTheGraph[] = "left to the trust graph";

std::vector<std::string> FamilyNames();

// Every family but changes and requests keys a pair of people as
// Str(first) Tail(second); a prefix Str(first) lists the seconds in id order.
std::string Pair(const std::string& first, const std::string& second);
std::string PairPrefix(const std::string& first);
// The first and second person of a pair key ("" when malformed).
std::string FirstOfPair(std::string_view key);
std::string SecondOfPair(std::string_view key);

// statements: Pair(truster, trustee) -> TrustStatement
// incoming:   Pair(trustee, truster) -> empty
// references: Pair(person, other) -> ReferenceEdge, both ways active
// pending:    Pair(trustee, truster) -> empty, truster awaits an answer

// facets: Str(subject) U8(kind) Str(facet key) Tail(truster) -> FacetEntry,
// one entry per facet inside an active statement about the subject.
std::string FacetPrefix(const std::string& subject, uint8_t kind, const std::string& facet_key);
std::string Facet(const std::string& subject, uint8_t kind, const std::string& facet_key,
                  const std::string& truster);
// The truster at the end of a facets key.
std::string TrusterOfFacet(std::string_view key, size_t prefix_size);

// requests: Str(caller) Tail(request id) -> RequestRecord
std::string Request(const std::string& caller, const std::string& request_id);

// counters: <person id> -> the counters of the person's own statements:
// active, kept (active or revoked), unanswered (active, none back).
std::string Counters(const std::string& person);
inline constexpr size_t kCounterCount = 3;

// traces: where a statement's words are kept besides its own record, so
// that an erasure finds them without scanning: Str(truster) Str(trustee),
// then U8(1) U64(sequence) for each change-log entry of the statement, or
// U8(2) Tail(its key in `requests`) for each request record answered with
// it. Values are empty.
std::string TracePrefix(const std::string& truster, const std::string& trustee);
// The prefix the engine completes with a change's sequence.
std::string ChangeTracePrefix(const std::string& truster, const std::string& trustee);
std::string ChangeTrace(const std::string& truster, const std::string& trustee, uint64_t sequence);
std::string RequestTrace(const std::string& truster, const std::string& trustee,
                         std::string_view request_key);
// The sequence of a `changes` key (0 when malformed).
uint64_t SequenceOfChange(std::string_view key);
// A trace key read back after its TracePrefix; nullopt when malformed.
struct Trace {
  // The change-log entry's sequence, or 0 for a request record.
  uint64_t sequence = 0;
  // The request record's key in `requests`, or "" for a change.
  std::string request;
};
std::optional<Trace> TraceAfter(std::string_view key, size_t prefix_size);

}  // namespace trustsphere::relationships::keys
