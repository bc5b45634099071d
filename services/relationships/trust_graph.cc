#include "services/relationships/trust_graph.h"

#include "services/relationships/trust_graph_internal.h"

#include <algorithm>
#include <thread>

namespace trustsphere::relationships {
namespace {

// A Direction in one byte: made, active, then the visibility.
constexpr uint8_t kMade = 1;
constexpr uint8_t kActive = 2;
constexpr int kVisibilityShift = 2;

uint8_t Pack(const v1::TrustStatement& statement) {
  if (IsErased(statement)) return 0;
  const bool active = statement.state() == v1::TRUST_STATE_ACTIVE;
  return static_cast<uint8_t>(kMade | (active ? kActive : 0) |
                              (static_cast<int>(statement.visibility()) << kVisibilityShift));
}

TrustGraph::Direction Unpack(uint8_t packed) {
  return {.made = (packed & kMade) != 0,
          .active = (packed & kActive) != 0,
          .visibility = static_cast<v1::Visibility>(packed >> kVisibilityShift)};
}

bool IsActive(uint8_t packed) { return (packed & kActive) != 0; }

// The kind's number, then the key.
void SetFacetKey(const common::v1::Facet& facet, std::string& key) {
  key.assign(1, static_cast<char>(facet.kind()));
  key.append(facet.key());
}

}  // namespace

TrustGraph::TrustGraph() : names_(std::make_unique<Names>()) {}
TrustGraph::~TrustGraph() = default;

const std::string& TrustGraph::Name(uint32_t id) const { return (*names_)[id]; }

uint32_t TrustGraph::IdOf(std::string_view person) {
  auto it = ids_.find(person);
  if (it != ids_.end()) return it->second;
  const uint32_t id = static_cast<uint32_t>(slots_.size());
  const std::string& name = names_->Add(id, person);
  ids_.emplace(name, id);
  slots_.emplace_back();
  return id;
}

uint32_t TrustGraph::FacetId(const common::v1::Facet& facet) {
  SetFacetKey(facet, facet_key_);
  auto it = facet_ids_.find(facet_key_);
  if (it != facet_ids_.end()) return it->second;
  facet_keys_.push_back(facet_key_);
  return facet_ids_.emplace(facet_key_, static_cast<uint32_t>(facet_ids_.size())).first->second;
}

absl::Status TrustGraph::Load(StatementSource source) {
  absl::MutexLock lock(&mu_);
  // One half of a pair, from one person's side, in the order met.
  struct Half {
    uint32_t other;
    uint8_t mine;
    uint8_t theirs;
    uint16_t facet_count;
    // Where its facets start in `facets`.
    uint32_t facets_at;
  };
  std::vector<std::vector<Half>> halves(slots_.size());
  std::vector<uint32_t> facets;
  auto add = [&](const v1::TrustStatement& statement) {
    const uint32_t truster = IdOf(statement.truster_id());
    const uint32_t trustee = IdOf(statement.trustee_id());
    if (halves.size() < slots_.size()) halves.resize(slots_.size());
    const uint8_t state = Pack(statement);
    const auto at = static_cast<uint32_t>(facets.size());
    if (IsActive(state)) {
      for (const auto& facet : statement.sphere().inside()) facets.push_back(FacetId(facet));
      for (const auto& facet : statement.sphere().outside()) {
        facets.push_back(FacetId(facet) | kOutside);
      }
    }
    halves[truster].push_back(Half{trustee, state, 0, 0, 0});
    halves[trustee].push_back(
        Half{truster, 0, state, static_cast<uint16_t>(facets.size() - at), at});
    ++statements_;
  };
  if (absl::Status loaded = source(add); !loaded.ok()) return loaded;

  const Version version = version_ + 1;
  for (uint32_t id = 0; id < halves.size(); ++id) {
    std::vector<Half>& mine = halves[id];
    std::sort(mine.begin(), mine.end(), [&](const Half& a, const Half& b) {
      return a.other != b.other && Name(a.other) < Name(b.other);
    });
    auto adjacency = std::make_shared<Adjacency>();
    for (const Half& half : mine) {
      if (adjacency->entries.empty() || adjacency->entries.back().other != half.other) {
        adjacency->entries.push_back(
            Entry{.other = half.other, .mine = 0, .theirs = 0, .facet_count = 0});
      }
      Entry& entry = adjacency->entries.back();
      entry.mine |= half.mine;
      entry.theirs |= half.theirs;
      entry.facet_count = static_cast<uint16_t>(entry.facet_count + half.facet_count);
      adjacency->facets.insert(adjacency->facets.end(), facets.begin() + half.facets_at,
                               facets.begin() + half.facets_at + half.facet_count);
    }
    std::vector<Half>().swap(mine);
    adjacency->entries.shrink_to_fit();
    adjacency->facets.shrink_to_fit();
    slots_[id] = Slot{{version, std::move(adjacency)}};
  }
  version_ = version;
  return absl::OkStatus();
}

void TrustGraph::Trim(Slot& slot) const {
  Version oldest_pin = kLatest;
  {
    absl::MutexLock lock(&pins_mu_);
    if (!pins_.empty()) oldest_pin = *pins_.begin();
  }
  // Newest first: keep every array newer than the oldest pin, and the one
  // that pin sees.
  for (size_t i = 0; i < slot.size(); ++i) {
    if (slot[i].first <= oldest_pin) {
      slot.erase(slot.begin() + i + 1, slot.end());
      return;
    }
  }
}

TrustGraph::Version TrustGraph::Install(absl::Span<const v1::TrustStatement* const> statements,
                                        absl::Span<const uint64_t> sequences, uint64_t committed) {
  absl::MutexLock lock(&mu_);
  const Version version = version_ + 1;
  // Copies of the arrays this install changes.
  absl::flat_hash_map<uint32_t, std::shared_ptr<Adjacency>> changed;
  auto writable = [&](uint32_t id) -> Adjacency& {
    auto [it, fresh] = changed.try_emplace(id);
    if (fresh) {
      const Slot& slot = slots_[id];
      it->second = slot.empty() ? std::make_shared<Adjacency>()
                                : std::make_shared<Adjacency>(*slot.front().second);
    }
    return *it->second;
  };
  // The index of other's entry in `adjacency`, inserted (empty) when missing.
  auto entry_index = [&](Adjacency& adjacency, uint32_t other) {
    const size_t place = PlaceOf(adjacency, Name(other));
    auto& entries = adjacency.entries;
    if (place == entries.size() || entries[place].other != other) {
      entries.insert(entries.begin() + static_cast<std::ptrdiff_t>(place),
                     Entry{.other = other, .mine = 0, .theirs = 0, .facet_count = 0});
    }
    return place;
  };

  auto drop_if_unmade = [&](Adjacency& adjacency, uint32_t other) {
    const size_t place = PlaceOf(adjacency, Name(other));
    auto& entries = adjacency.entries;
    if (place == entries.size() || entries[place].other != other) return;
    const Entry& entry = entries[place];
    if ((entry.mine & kMade) || (entry.theirs & kMade) || entry.facet_count != 0) return;
    entries.erase(entries.begin() + static_cast<std::ptrdiff_t>(place));
  };

  for (const v1::TrustStatement* statement : statements) {
    const uint32_t truster = IdOf(statement->truster_id());
    const uint32_t trustee = IdOf(statement->trustee_id());
    const uint8_t state = Pack(*statement);

    Adjacency& outgoing = writable(truster);
    Entry& made = outgoing.entries[entry_index(outgoing, trustee)];
    statements_ +=
        static_cast<int>((state & kMade) != 0) - static_cast<int>((made.mine & kMade) != 0);
    made.mine = state;

    Adjacency& about = writable(trustee);
    const size_t index = entry_index(about, truster);
    const size_t offset = FacetOffset(about, index);
    Entry& entry = about.entries[index];
    entry.theirs = state;
    std::vector<uint32_t> held;
    if (IsActive(state)) {
      for (const auto& facet : statement->sphere().inside()) held.push_back(FacetId(facet));
      for (const auto& facet : statement->sphere().outside()) {
        held.push_back(FacetId(facet) | kOutside);
      }
    }
    auto first = about.facets.begin() + static_cast<std::ptrdiff_t>(offset);
    about.facets.erase(first, first + entry.facet_count);
    about.facets.insert(about.facets.begin() + static_cast<std::ptrdiff_t>(offset), held.begin(),
                        held.end());
    entry.facet_count = static_cast<uint16_t>(held.size());
    if (state == 0) {
      // Erased: a pair with no statement either way leaves both arrays.
      drop_if_unmade(outgoing, trustee);
      drop_if_unmade(about, truster);
    }
  }

  for (auto& [id, adjacency] : changed) {
    Slot& slot = slots_[id];
    slot.insert(slot.begin(), {version, std::move(adjacency)});
    Trim(slot);
  }
  version_ = version;
  for (uint64_t sequence : sequences) {
    if (sequence > committed) recent_.insert(sequence);
  }
  absl::erase_if(recent_, [&](uint64_t sequence) { return sequence <= committed; });
  return version;
}

std::optional<TrustGraph::Version> TrustGraph::TryPin(
    absl::FunctionRef<bool(absl::FunctionRef<bool(uint64_t)> installed)> agrees) {
  absl::ReaderMutexLock lock(&mu_);
  if (!agrees([&](uint64_t sequence) { return recent_.contains(sequence); })) return std::nullopt;
  absl::MutexLock pin(&pins_mu_);
  pins_.insert(version_);
  return version_;
}

void TrustGraph::Unpin(Version version) {
  absl::MutexLock lock(&pins_mu_);
  auto it = pins_.find(version);
  if (it != pins_.end()) pins_.erase(it);
}

TrustGraph::Found TrustGraph::Find(Version at, std::string_view person,
                                   const common::v1::Facet* facet) const {
  Found found;
  absl::ReaderMutexLock lock(&mu_);
  auto id = ids_.find(person);
  if (id == ids_.end()) return found;
  for (const auto& [version, adjacency] : slots_[id->second]) {
    if (version <= at) {
      found.adjacency = adjacency;
      break;
    }
  }
  if (facet != nullptr) {
    std::string key;
    SetFacetKey(*facet, key);
    auto it = facet_ids_.find(key);
    if (it != facet_ids_.end()) found.facet = it->second;
  }
  return found;
}

size_t TrustGraph::FacetOffset(const Adjacency& adjacency, size_t index) {
  size_t offset = 0;
  for (size_t i = 0; i < index; ++i) offset += adjacency.entries[i].facet_count;
  return offset;
}

size_t TrustGraph::PlaceOf(const Adjacency& adjacency, std::string_view other) const {
  const auto& entries = adjacency.entries;
  auto it = std::lower_bound(
      entries.begin(), entries.end(), other,
      [&](const Entry& entry, std::string_view id) { return Name(entry.other) < id; });
  return static_cast<size_t>(it - entries.begin());
}

std::optional<TrustGraph::Held> TrustGraph::ActiveAbout(const Adjacency& adjacency,
                                                        std::string_view truster) const {
  const size_t place = PlaceOf(adjacency, truster);
  if (place == adjacency.entries.size()) return std::nullopt;
  const Entry& entry = adjacency.entries[place];
  if (Name(entry.other) != truster || !IsActive(entry.theirs)) return std::nullopt;
  return Held{.entry = &entry,
              .facets = absl::MakeConstSpan(adjacency.facets)
                            .subspan(FacetOffset(adjacency, place), entry.facet_count)};
}

std::optional<ReferenceEdge> TrustGraph::Reference(Version at, std::string_view person,
                                                   std::string_view other) const {
  const std::shared_ptr<const Adjacency> adjacency = Find(at, person, nullptr).adjacency;
  if (!adjacency) return std::nullopt;
  const std::optional<Held> held = ActiveAbout(*adjacency, other);
  if (!held || !IsActive(held->entry->mine)) return std::nullopt;
  return ReferenceEdge{.other = Name(held->entry->other),
                       .outgoing = Unpack(held->entry->mine).visibility,
                       .incoming = Unpack(held->entry->theirs).visibility};
}

std::optional<FacetJudgement> TrustGraph::Judge(Version at, std::string_view truster,
                                                std::string_view trustee,
                                                const common::v1::Facet& facet) const {
  const Found found = Find(at, trustee, &facet);
  if (!found.adjacency) return std::nullopt;
  const std::optional<Held> held = ActiveAbout(*found.adjacency, truster);
  if (!held) return std::nullopt;
  FacetJudgement judgement{.visibility = Unpack(held->entry->theirs).visibility,
                           .verdict = v1::VERDICT_NOT_STATED};
  if (!found.facet) return judgement;
  const auto& ids = held->facets;
  if (std::find(ids.begin(), ids.end(), *found.facet) != ids.end()) {
    judgement.verdict = v1::VERDICT_INSIDE;
  } else if (std::find(ids.begin(), ids.end(), *found.facet | kOutside) != ids.end()) {
    judgement.verdict = v1::VERDICT_OUTSIDE;
  }
  return judgement;
}

std::vector<common::v1::Facet> TrustGraph::InsideFacets(Version at, std::string_view truster,
                                                        std::string_view trustee) const {
  std::vector<common::v1::Facet> facets;
  const std::shared_ptr<const Adjacency> adjacency = Find(at, trustee, nullptr).adjacency;
  if (!adjacency) return facets;
  const std::optional<Held> held = ActiveAbout(*adjacency, truster);
  if (!held) return facets;
  absl::ReaderMutexLock lock(&mu_);
  for (const uint32_t id : held->facets) {
    if (id & kOutside) continue;
    const std::string& key = facet_keys_[id];
    common::v1::Facet& facet = facets.emplace_back();
    facet.set_kind(static_cast<common::v1::FacetKind>(key[0]));
    facet.set_key(key.substr(1));
  }
  return facets;
}

StatementCounts TrustGraph::Counts(Version at, std::string_view person) const {
  StatementCounts counts;
  const std::shared_ptr<const Adjacency> adjacency = Find(at, person, nullptr).adjacency;
  if (!adjacency) return counts;
  for (const Entry& entry : adjacency->entries) {
    if (!(entry.mine & kMade)) continue;
    ++counts.kept;
    if (!IsActive(entry.mine)) continue;
    ++counts.active;
    if (!IsVisibleAnswer(IsActive(entry.theirs), Unpack(entry.theirs).visibility)) {
      ++counts.unanswered;
    }
  }
  return counts;
}

void TrustGraph::VisitPairs(
    Version at, std::string_view person, std::string_view after,
    absl::FunctionRef<bool(const std::string& other, Direction mine, Direction theirs)> visit)
    const {
  const std::shared_ptr<const Adjacency> adjacency = Find(at, person, nullptr).adjacency;
  if (!adjacency) return;
  const auto& entries = adjacency->entries;
  auto it = entries.begin();
  if (!after.empty()) {
    it = std::upper_bound(
        entries.begin(), entries.end(), after,
        [&](std::string_view id, const Entry& entry) { return id < Name(entry.other); });
  }
  for (; it != entries.end(); ++it) {
    if (!visit(Name(it->other), Unpack(it->mine), Unpack(it->theirs))) return;
  }
}

void TrustGraph::VisitFacetHolders(Version at, std::string_view subject,
                                   const common::v1::Facet& facet,
                                   absl::FunctionRef<bool(const FacetHolder&)> visit) const {
  const Found found = Find(at, subject, &facet);
  if (!found.adjacency || !found.facet) return;
  const uint32_t wanted = *found.facet;
  auto facet_it = found.adjacency->facets.begin();
  for (const Entry& entry : found.adjacency->entries) {
    auto end = facet_it + entry.facet_count;
    if (IsActive(entry.theirs) && std::find(facet_it, end, wanted) != end) {
      if (!visit({.truster = Name(entry.other), .visibility = Unpack(entry.theirs).visibility})) {
        return;
      }
    }
    facet_it = end;
  }
}

TrustGraph::Size TrustGraph::size() const {
  absl::ReaderMutexLock lock(&mu_);
  Size size{.people = static_cast<int64_t>(slots_.size()), .statements = statements_};
  int64_t bytes = sizeof(*this) + names_->bytes(static_cast<uint32_t>(slots_.size()));
  bytes += static_cast<int64_t>(slots_.capacity() * sizeof(Slot));
  // A flat hash map: one control byte and one slot per bucket.
  bytes +=
      static_cast<int64_t>(ids_.capacity() * (sizeof(std::pair<std::string_view, uint32_t>) + 1));
  for (const auto& [key, id] : facet_ids_) bytes += 2 * static_cast<int64_t>(key.capacity() + 1);
  bytes += static_cast<int64_t>(facet_keys_.capacity() * sizeof(std::string));
  bytes +=
      static_cast<int64_t>(facet_ids_.capacity() * (sizeof(std::pair<std::string, uint32_t>) + 1));
  for (const Slot& slot : slots_) {
    for (const auto& [version, adjacency] : slot) {
      // The shared_ptr's control block shares the allocation (make_shared).
      bytes += static_cast<int64_t>(sizeof(Adjacency) + 16 +
                                    adjacency->entries.capacity() * sizeof(Entry) +
                                    adjacency->facets.capacity() * sizeof(uint32_t));
    }
    if (!slot.empty()) size.facets += static_cast<int64_t>(slot.front().second->facets.size());
  }
  size.bytes = bytes;
  return size;
}

}  // namespace trustsphere::relationships
