#pragma once

// The trust graph in memory: the relationships service's index of its
// statements. Each person has a dense integer id and one array, sorted by
// the other person's id, of the people they share a statement with; an
// entry holds both directions' state (made, active, visibility) and the
// facets of the statement about the person. References, pending answers,
// facet holders and counts are walks of these arrays; statement bodies
// (notes, roles, times) stay in the store.
//
// Multi-version: Install makes one new version of everything it changes, at
// once. A reader that pins a version sees the graph as it was then: an
// installed array is never changed (a write copies it), and a person keeps
// the older arrays a pinned reader may still need. Queries hold a shared
// lock only to find an array and walk it unlocked, so a visitor may query
// the graph again.

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/functional/function_ref.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "services/relationships/trust_store.h"

namespace trustsphere::relationships {

class TrustGraph {
 public:
  using Version = uint64_t;
  // Queries at this version see the latest installed one.
  static constexpr Version kLatest = std::numeric_limits<Version>::max();

  // One direction of a pair.
  struct Direction {
    bool made = false;
    bool active = false;
    v1::Visibility visibility = v1::VISIBILITY_UNSPECIFIED;
  };

  // What the graph holds, for the memory figures.
  struct Size {
    int64_t people = 0;
    // Statements made (each pair direction), active or revoked.
    int64_t statements = 0;
    int64_t facets = 0;
    int64_t bytes = 0;
  };

  TrustGraph();
  ~TrustGraph();
  TrustGraph(const TrustGraph&) = delete;
  TrustGraph& operator=(const TrustGraph&) = delete;

  // Fills an empty graph, before anyone reads it, with every statement
  // `source` passes to `add` (each pair once): each array is sorted once at
  // the end instead of copied per change.
  using StatementSource =
      absl::FunctionRef<absl::Status(absl::FunctionRef<void(const v1::TrustStatement&)> add)>;
  absl::Status Load(StatementSource source);

  // Writes the latest version to `path` (a temporary file, synced, then
  // renamed, the folder synced), tagged with `tag`, so that Restore takes
  // it only for that tag. Call it when nothing is installed any more.
  absl::Status Save(const std::string& path, const std::string& tag) const;
  // Fills an empty graph from the file Save wrote at `path` when its tag is
  // `tag`; false, the graph left empty, when there is no file, it is for
  // another tag, or it is damaged (so the caller loads from the store).
  absl::StatusOr<bool> Restore(const std::string& path, const std::string& tag);

  // Installs the statements' new states (each replaces what its pair held;
  // later ones win within a call) as one new version, recording their
  // change sequences. Sequences up to `committed` (every change up to it is
  // installed) are forgotten.
  Version Install(absl::Span<const v1::TrustStatement* const> statements,
                  absl::Span<const uint64_t> sequences, uint64_t committed);

  // Pins the latest version for a reader if `agrees(installed)` accepts it.
  // `agrees` runs while no install can happen, so the reader may take a
  // snapshot of the store there and check, with installed(sequence), that
  // each change the snapshot holds above the store's committed watermark is
  // installed; when it is not (a change committed, its install still to
  // come), nothing is pinned and the caller tries again.
  std::optional<Version> TryPin(
      absl::FunctionRef<bool(absl::FunctionRef<bool(uint64_t)> installed)> agrees);
  void Unpin(Version version);

  std::optional<ReferenceEdge> Reference(Version at, std::string_view person,
                                         std::string_view other) const;
  // What truster's active statement about trustee says of `facet`.
  std::optional<FacetJudgement> Judge(Version at, std::string_view truster,
                                      std::string_view trustee,
                                      const common::v1::Facet& facet) const;
  // The facets inside truster's active statement about trustee (none when
  // it is not active).
  std::vector<common::v1::Facet> InsideFacets(Version at, std::string_view truster,
                                              std::string_view trustee) const;
  StatementCounts Counts(Version at, std::string_view person) const;
  // visit(other, mine, theirs) for each person `person` shares a statement
  // with (mine: person -> other; theirs: other -> person), in id order,
  // strictly after `after` (empty: from the first), until it returns false.
  void VisitPairs(
      Version at, std::string_view person, std::string_view after,
      absl::FunctionRef<bool(const std::string& other, Direction mine, Direction theirs)> visit)
      const;
  // Who holds `facet` inside an active statement about `subject`, in id
  // order, until `visit` returns false.
  void VisitFacetHolders(Version at, std::string_view subject, const common::v1::Facet& facet,
                         absl::FunctionRef<bool(const FacetHolder&)> visit) const;

  Size size() const;

 private:
  struct Entry;
  struct Adjacency;
  // A person's arrays, newest first: (version installed at, array).
  using Slot = absl::InlinedVector<std::pair<Version, std::shared_ptr<const Adjacency>>, 1>;
  class Names;

  // The person's array at `at` (null: none), and `facet`'s id (or none).
  struct Found {
    std::shared_ptr<const Adjacency> adjacency;
    std::optional<uint32_t> facet;
  };
  Found Find(Version at, std::string_view person, const common::v1::Facet* facet) const;
  // Where the facet ids of entry `index` start in `adjacency`'s.
  static size_t FacetOffset(const Adjacency& adjacency, size_t index);
  // Where other's entry is or would be in `adjacency`'s entries.
  size_t PlaceOf(const Adjacency& adjacency, std::string_view other) const;
  // Truster's statement about the person `adjacency` belongs to, when it is
  // active: its entry and its facet ids.
  struct Held {
    const Entry* entry;
    absl::Span<const uint32_t> facets;
  };
  std::optional<Held> ActiveAbout(const Adjacency& adjacency, std::string_view truster) const;
  uint32_t IdOf(std::string_view person) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  uint32_t FacetId(const common::v1::Facet& facet) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Drops the arrays no pinned reader can reach any more.
  void Trim(Slot& slot) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  const std::string& Name(uint32_t id) const;

  mutable absl::Mutex mu_;
  Version version_ ABSL_GUARDED_BY(mu_) = 0;
  std::unique_ptr<Names> names_;
  absl::flat_hash_map<std::string_view, uint32_t> ids_ ABSL_GUARDED_BY(mu_);
  std::vector<Slot> slots_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, uint32_t> facet_ids_ ABSL_GUARDED_BY(mu_);
  // Each facet id's key.
  std::vector<std::string> facet_keys_ ABSL_GUARDED_BY(mu_);
  // FacetId's key, kept to reuse its allocation.
  std::string facet_key_ ABSL_GUARDED_BY(mu_);
  // Installed changes above the store's committed watermark.
  absl::flat_hash_set<uint64_t> recent_ ABSL_GUARDED_BY(mu_);
  int64_t statements_ ABSL_GUARDED_BY(mu_) = 0;

  // Pinned versions; taken under mu_ shared, read under mu_ exclusive.
  mutable absl::Mutex pins_mu_;
  std::multiset<Version> pins_ ABSL_GUARDED_BY(pins_mu_);
};

}  // namespace trustsphere::relationships
