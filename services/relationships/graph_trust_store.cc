#include "services/relationships/graph_trust_store.h"

#include <algorithm>
#include <filesystem>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/core/crypto.h"

namespace trustsphere::relationships {
namespace {

using Direction = TrustGraph::Direction;

// The store's marker naming the checkpoint file written at its last clean
// stop.
constexpr char kCheckpointMarker[] = "trust_graph_checkpoint";

// Reads of one graph version (or of the latest), statement bodies through
// the store's reader of the same point in time.
class GraphTrustReader final : public TrustReader {
 public:
  GraphTrustReader(TrustGraph& graph, TrustGraph::Version at, bool pinned,
                   std::unique_ptr<TrustReader> bodies, absl::Status broken = absl::OkStatus())
      : graph_(graph),
        at_(at),
        pinned_(pinned),
        bodies_(std::move(bodies)),
        broken_(std::move(broken)) {}
  ~GraphTrustReader() override {
    if (pinned_) graph_.Unpin(at_);
  }

  absl::StatusOr<std::optional<v1::TrustStatement>> Statement(const std::string& truster,
                                                              const std::string& trustee) override {
    if (!broken_.ok()) return broken_;
    return bodies_->Statement(truster, trustee);
  }
  absl::StatusOr<std::vector<std::optional<v1::TrustStatement>>> Statements(
      const std::vector<std::pair<std::string, std::string>>& pairs) override {
    if (!broken_.ok()) return broken_;
    return bodies_->Statements(pairs);
  }
  absl::StatusOr<std::optional<FacetJudgement>> Judge(const std::string& truster,
                                                      const std::string& trustee,
                                                      const common::v1::Facet& facet) override {
    if (!broken_.ok()) return broken_;
    return graph_.Judge(at_, truster, trustee, facet);
  }
  absl::StatusOr<std::vector<std::vector<common::v1::Facet>>> InsideFacets(
      const std::vector<std::pair<std::string, std::string>>& pairs) override {
    if (!broken_.ok()) return broken_;
    std::vector<std::vector<common::v1::Facet>> facets;
    facets.reserve(pairs.size());
    for (const auto& [truster, trustee] : pairs) {
      facets.push_back(graph_.InsideFacets(at_, truster, trustee));
    }
    return facets;
  }
  absl::StatusOr<std::optional<ReferenceEdge>> Reference(const std::string& person,
                                                         const std::string& other) override {
    if (!broken_.ok()) return broken_;
    return graph_.Reference(at_, person, other);
  }

  absl::StatusOr<storage::Page<v1::TrustStatement>> Outgoing(const std::string& person,
                                                             const std::string& cursor, int limit,
                                                             StatementFilter keep) override {
    return StatementsPage(person, cursor, limit, keep, /*made_by_person=*/true,
                          [](Direction mine, Direction) { return mine.made; });
  }
  absl::StatusOr<storage::Page<v1::TrustStatement>> Incoming(const std::string& person,
                                                             const std::string& cursor, int limit,
                                                             StatementFilter keep) override {
    return StatementsPage(person, cursor, limit, keep, /*made_by_person=*/false,
                          [](Direction, Direction theirs) { return theirs.made; });
  }
  absl::StatusOr<storage::Page<v1::TrustStatement>> Pending(const std::string& person,
                                                            const std::string& cursor, int limit,
                                                            StatementFilter keep) override {
    return StatementsPage(
        person, cursor, limit, keep, /*made_by_person=*/false,
        [](Direction mine, Direction theirs) { return theirs.active && !mine.active; });
  }

  absl::StatusOr<storage::Page<ReferenceEdge>> References(const std::string& person,
                                                          const std::string& cursor, int limit,
                                                          EdgeFilter keep) override {
    if (!broken_.ok()) return broken_;
    storage::Page<ReferenceEdge> page;
    if (limit <= 0) return page;
    graph_.VisitPairs(
        at_, person, cursor, [&](const std::string& other, Direction mine, Direction theirs) {
          if (!mine.active || !theirs.active) return true;
          ReferenceEdge edge{
              .other = other, .outgoing = mine.visibility, .incoming = theirs.visibility};
          if (!keep(edge)) return true;
          if (static_cast<int>(page.items.size()) == limit) {
            page.next_cursor = page.items.back().other;
            return false;
          }
          page.items.push_back(std::move(edge));
          return true;
        });
    return page;
  }

  absl::Status VisitReferences(const std::string& person,
                               absl::FunctionRef<bool(const ReferenceEdge&)> visit) override {
    if (!broken_.ok()) return broken_;
    graph_.VisitPairs(
        at_, person, "", [&](const std::string& other, Direction mine, Direction theirs) {
          if (!mine.active || !theirs.active) return true;
          return visit(
              {.other = other, .outgoing = mine.visibility, .incoming = theirs.visibility});
        });
    return absl::OkStatus();
  }

  absl::Status VisitFacetHolders(const std::string& subject, const common::v1::Facet& facet,
                                 absl::FunctionRef<bool(const FacetHolder&)> visit) override {
    if (!broken_.ok()) return broken_;
    graph_.VisitFacetHolders(at_, subject, facet, visit);
    return absl::OkStatus();
  }

  absl::StatusOr<StatementCounts> Counts(const std::string& person) override {
    if (!broken_.ok()) return broken_;
    return graph_.Counts(at_, person);
  }

  absl::Status VisitStatements(
      absl::FunctionRef<absl::StatusOr<bool>(const v1::TrustStatement&)> visit) override {
    if (!broken_.ok()) return broken_;
    return bodies_->VisitStatements(visit);
  }
  absl::StatusOr<std::vector<uint64_t>> ChangeSequencesAfter(uint64_t after) override {
    if (!broken_.ok()) return broken_;
    return bodies_->ChangeSequencesAfter(after);
  }

 private:
  // A page of the statements between `person` and the people `select`
  // picks (person's own when made_by_person, else those about person), the
  // graph choosing whom and the store's bodies read a batch at a time, so
  // that `keep` judges whole statements.
  absl::StatusOr<storage::Page<v1::TrustStatement>> StatementsPage(
      const std::string& person, const std::string& cursor, int limit, StatementFilter keep,
      bool made_by_person, absl::FunctionRef<bool(Direction mine, Direction theirs)> select) {
    if (!broken_.ok()) return broken_;
    const size_t batch = std::clamp<size_t>(static_cast<size_t>(limit) + 1, 16, 128);
    storage::Page<v1::TrustStatement> page;
    std::string position = cursor;
    std::string last;
    std::vector<std::string> others;
    for (;;) {
      others.clear();
      graph_.VisitPairs(at_, person, position,
                        [&](const std::string& other, Direction mine, Direction theirs) {
                          if (select(mine, theirs)) others.push_back(other);
                          return others.size() < batch;
                        });
      if (others.empty()) return page;
      std::vector<std::pair<std::string, std::string>> pairs;
      pairs.reserve(others.size());
      for (const auto& other : others) {
        pairs.push_back(made_by_person ? std::pair(person, other) : std::pair(other, person));
      }
      auto bodies = bodies_->Statements(pairs);
      if (!bodies.ok()) return bodies.status();
      for (size_t i = 0; i < others.size(); ++i) {
        auto& body = (*bodies)[i];
        if (!body) {
          // Unpinned, the store may already lack a statement that an
          // erasure removed and that the graph drops once the write's hook
          // runs; pinned, the two agree.
          if (!pinned_) continue;
          return absl::DataLossError("the trust graph names a statement the store lacks");
        }
        if (!keep(*body)) continue;
        if (static_cast<int>(page.items.size()) == limit) {
          page.next_cursor = last;
          return page;
        }
        page.items.push_back(std::move(*body));
        last = others[i];
      }
      if (others.size() < batch) return page;
      position = others.back();
    }
  }

  TrustGraph& graph_;
  const TrustGraph::Version at_;
  const bool pinned_;
  std::unique_ptr<TrustReader> bodies_;
  const absl::Status broken_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<GraphTrustStore>> GraphTrustStore::Open(
    std::unique_ptr<TrustStore> store, const std::string& checkpoint) {
  std::unique_ptr<GraphTrustStore> graph_store(new GraphTrustStore(std::move(store)));
  graph_store->InstallOnCommit();
  if (!checkpoint.empty()) {
    auto restored = graph_store->Restore(checkpoint);
    if (!restored.ok()) return restored.status();
    graph_store->restored_ = *restored;
  }
  if (!graph_store->restored_) {
    if (absl::Status built = graph_store->Build(); !built.ok()) return built;
  }
  // Replays what other writers of a shared database committed since the
  // store opened, over a graph that may hold part of it already (an
  // install only sets states, in order), before anyone reads.
  if (absl::Status settled = graph_store->wrapped().Settle(); !settled.ok()) return settled;
  return graph_store;
}

absl::StatusOr<bool> GraphTrustStore::Restore(const std::string& checkpoint) {
  auto marker = wrapped().Marker(kCheckpointMarker);
  if (!marker.ok()) return marker.status();
  bool restored = false;
  if (!marker->empty()) {
    // Unmarked first: should this start crash, the next one rebuilds.
    if (absl::Status cleared = wrapped().SetMarker(kCheckpointMarker, ""); !cleared.ok()) {
      return cleared;
    }
    // A marker names its change position: writes since make it stale.
    const bool current = absl::EndsWith(*marker, absl::StrCat("@", wrapped().LastChangeSequence()));
    auto read = current ? graph_.Restore(checkpoint, *marker) : absl::StatusOr<bool>(false);
    if (!read.ok()) return read.status();
    restored = *read;
  }
  std::error_code ignored;
  std::filesystem::remove(checkpoint, ignored);
  return restored;
}

absl::StatusOr<uint64_t> GraphTrustStore::Apply(const std::vector<StatementChange>& changes,
                                                const std::optional<RequestRecord>& request) {
  absl::ReaderMutexLock lock(&writes_mu_);
  if (sealed_) return absl::FailedPreconditionError("the trust store is closing");
  return wrapped().Apply(changes, request);
}

void GraphTrustStore::InstallOnCommit() {
  wrapped().SetCommitHook(
      [this](const std::vector<StatementChange>& changes, absl::Span<const uint64_t> sequences) {
        std::vector<const v1::TrustStatement*> statements;
        statements.reserve(changes.size());
        for (const auto& change : changes) statements.push_back(&change.after);
        graph_.Install(statements, sequences, wrapped().CommittedChangeSequence());
        if (after_install_) after_install_(changes, sequences);
      });
}

absl::Status GraphTrustStore::Build() {
  return graph_.Load([&](absl::FunctionRef<void(const v1::TrustStatement&)> add) {
    return wrapped().Snapshot()->VisitStatements(
        [&](const v1::TrustStatement& statement) -> absl::StatusOr<bool> {
          add(statement);
          return true;
        });
  });
}

absl::Status GraphTrustStore::SaveCheckpoint(const std::string& checkpoint) {
  absl::MutexLock lock(&writes_mu_);
  sealed_ = true;
  if (wrapped().CommittedChangeSequence() != wrapped().LastChangeSequence()) {
    return absl::InternalError("a change is in flight after every write ended");
  }
  // The file first: a marker never names a file that is not complete. The
  // change position too, so that writes by anything else than this class
  // (an older build) make the checkpoint stale.
  const std::string tag = absl::StrCat(RandomToken(16), "@", wrapped().LastChangeSequence());
  if (absl::Status saved = graph_.Save(checkpoint, tag); !saved.ok()) return saved;
  return wrapped().SetMarker(kCheckpointMarker, tag);
}

std::unique_ptr<TrustReader> GraphTrustStore::Snapshot() const {
  // Other replicas writing without pause could keep every new snapshot
  // ahead of the graph: a bound, after which the read is UNAVAILABLE.
  const absl::Time give_up = absl::Now() + absl::Seconds(5);
  for (int attempt = 0;; ++attempt) {
    // What the snapshot may wait for (a database connection) is had before
    // the pin: a write holding the last connection may be waiting for the
    // pin to hand its change to the graph.
    auto open_snapshot = wrapped().PrepareSnapshot();
    std::unique_ptr<TrustReader> bodies;
    absl::Status broken;
    const std::optional<TrustGraph::Version> at =
        graph_.TryPin([&](absl::FunctionRef<bool(uint64_t)> installed) {
          // Every change up to `committed` is installed; the snapshot's
          // changes above it must be too, or the graph lags the snapshot.
          const uint64_t committed = wrapped().CommittedChangeSequence();
          bodies = open_snapshot();
          auto held = bodies->ChangeSequencesAfter(committed);
          if (!held.ok()) {
            broken = held.status();
            return true;
          }
          return std::all_of(held->begin(), held->end(),
                             [&](uint64_t sequence) { return installed(sequence); });
        });
    if (at) {
      return std::make_unique<GraphTrustReader>(graph_, *at, /*pinned=*/true, std::move(bodies),
                                                std::move(broken));
    }
    // The snapshot holds a change the graph lacks: one committed here whose
    // install waits for the lock the pin held, or one the store has not
    // read yet (another replica's, or a write of ours whose outcome was
    // unknown). Settled outside the graph's lock, which an install takes,
    // and with this attempt's connection given back first.
    bodies.reset();
    open_snapshot = nullptr;
    if (absl::Status settled = wrapped().Settle(); !settled.ok()) {
      return std::make_unique<GraphTrustReader>(graph_, TrustGraph::kLatest, /*pinned=*/false,
                                                nullptr, settled);
    }
    if (absl::Now() > give_up) {
      return std::make_unique<GraphTrustReader>(
          graph_, TrustGraph::kLatest, /*pinned=*/false, nullptr,
          absl::UnavailableError("the trust graph cannot catch up with the database"));
    }
    if (attempt > 0) std::this_thread::yield();
  }
}

std::unique_ptr<TrustReader> GraphTrustStore::Latest() const {
  return std::make_unique<GraphTrustReader>(graph_, TrustGraph::kLatest, /*pinned=*/false,
                                            wrapped().Latest());
}

}  // namespace trustsphere::relationships
