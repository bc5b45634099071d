// Graph queries of RelationshipLogic: FindVouchers, SuggestReferences and
// GetCoverage. Each walks only index prefixes reachable from its inputs,
// never a whole family, and counts or follows only what the caller may see.

#include <algorithm>
#include <map>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "services/common/core/month_index.h"
#include "services/common/core/validation.h"
#include "services/relationships/relationship_logic.h"
#include "services/relationships/trust_validation.h"
#include "services/relationships/viewer.h"
#include "storage/key_encoding.h"

namespace trustsphere::relationships {
namespace {

// One FindVouchers search, step by step, through what the caller may see:
// who holds the facet about the subject, then a breadth-first walk from the
// caller through mutual references, then the holders met at the last level.
class VoucherSearch {
 public:
  VoucherSearch(TrustReader& reader, Viewer& viewer, int max_visited)
      : reader_(reader), viewer_(viewer), max_visited_(max_visited) {}

  // Who holds the facet inside an active statement about the subject, among
  // statements the caller may see.
  absl::Status CollectHolders(const std::string& subject, const common::v1::Facet& facet) {
    return reader_.VisitFacetHolders(subject, facet, [&](const FacetHolder& holder) {
      if (viewer_.CanSee(holder.truster, subject, holder.visibility)) {
        holders_.push_back(holder.truster);
      }
      return !Full(holders_.size());
    });
  }

  // Level by level in id order, so each person's first parent is the
  // smallest id one level up and its path shortest; one level short of
  // max_depth: the last level is reached from the holders' side.
  absl::Status WalkFrom(const std::string& caller, int max_depth) {
    reached_[caller] = Reached{0, ""};
    std::vector<std::string> frontier = {caller};
    for (int depth = 1; depth < max_depth && !frontier.empty() && !truncated_; ++depth) {
      std::vector<std::string> next;
      for (const auto& person : frontier) {
        absl::Status walked = VisibleReferences(person, [&](const std::string& other) {
          if (reached_.contains(other)) return true;
          reached_[other] = Reached{depth, person};
          next.push_back(other);
          return !Full(reached_.size());
        });
        if (!walked.ok()) return walked;
        if (truncated_) break;
      }
      std::sort(next.begin(), next.end());
      frontier = std::move(next);
    }
    return absl::OkStatus();
  }

  // The holders reached, as (depth, id) in order. A holder not reached yet
  // is at max_depth when one of its references (edges are symmetric, and so
  // is their visibility) was reached one level up; its parent is the
  // smallest such id, as the breadth-first walk would have found. This
  // visits a few holders instead of a whole last level.
  absl::StatusOr<std::vector<std::pair<int, std::string>>> Vouchers(const std::string& caller,
                                                                    int max_depth) {
    std::vector<std::pair<int, std::string>> vouchers;
    for (const auto& holder : holders_) {
      if (holder == caller) continue;
      if (auto it = reached_.find(holder); it != reached_.end()) {
        vouchers.emplace_back(it->second.depth, holder);
        continue;
      }
      std::string parent;
      absl::Status walked = VisibleReferences(holder, [&](const std::string& other) {
        auto it = reached_.find(other);
        if (it != reached_.end() && it->second.depth == max_depth - 1 &&
            (parent.empty() || other < parent)) {
          parent = other;
        }
        return true;
      });
      if (!walked.ok()) return walked;
      if (parent.empty()) continue;
      reached_[holder] = Reached{max_depth, parent};
      vouchers.emplace_back(max_depth, holder);
    }
    std::sort(vouchers.begin(), vouchers.end());
    return vouchers;
  }

  // caller ... person, through the parents the walk recorded.
  std::vector<std::string> PathTo(const std::string& person) const {
    std::vector<std::string> path;
    for (std::string at = person; !at.empty(); at = reached_.at(at).parent) path.push_back(at);
    std::reverse(path.begin(), path.end());
    return path;
  }

  bool truncated() const { return truncated_; }

 private:
  struct Reached {
    int depth = 0;
    std::string parent;
  };

  // Whether the search has visited as many people as it may.
  bool Full(size_t visited) {
    if (static_cast<int>(visited) >= max_visited_) truncated_ = true;
    return truncated_;
  }

  // The people `person` has mutual references with, through edges the
  // caller may see; `visit` returns false to stop.
  template <typename Visit>
  absl::Status VisibleReferences(const std::string& person, Visit visit) {
    return reader_.VisitReferences(person, [&](const ReferenceEdge& edge) {
      if (!viewer_.CanSeeEdge(person, edge)) return true;
      return visit(edge.other);
    });
  }

  TrustReader& reader_;
  Viewer& viewer_;
  const int max_visited_;
  std::vector<std::string> holders_;
  absl::flat_hash_map<std::string, Reached> reached_;
  bool truncated_ = false;
};

// Months both periods share, ongoing periods counted to `now_month`.
int OverlapMonths(const common::v1::Period& a, const common::v1::Period& b, int now_month) {
  int start = std::max(MonthIndex(a.start()), MonthIndex(b.start()));
  int end = std::min(a.has_end() ? MonthIndex(a.end()) : now_month,
                     b.has_end() ? MonthIndex(b.end()) : now_month);
  return std::max(0, end - start + 1);
}

// A voucher's place in the result order, as a page cursor: byte order is
// (depth, id) order.
std::string VoucherCursor(int depth, const std::string& person_id) {
  return storage::KeyBuilder().U8(static_cast<uint8_t>(depth)).Tail(person_id).Build();
}

}  // namespace

absl::StatusOr<v1::FindVouchersResponse> RelationshipLogic::FindVouchers(
    const Caller& caller, const v1::FindVouchersRequest& request) {
  FieldErrors errors;
  CheckId(errors, "subject_id", request.subject_id());
  common::v1::Facet facet = NormalizeFacet(errors, "facet", request.facet());
  if (request.max_depth() < 1 || request.max_depth() > kMaxDepth) {
    errors.Add("max_depth", absl::StrCat("1 to ", kMaxDepth));
  }
  const int size = PageSize(errors, request.page_size());
  if (!errors.empty()) return errors.ToStatus();
  const std::string query =
      absl::StrCat("FindVouchers\n", caller.person_id, "\n", request.subject_id(), "\n",
                   facet.kind(), "\n", facet.key(), "\n", request.max_depth());
  auto cursor = page_tokens_.Decode(query, request.page_token());
  if (!cursor.ok()) return cursor.status();

  auto reader = store_->Snapshot();
  Viewer viewer(caller, *reader);
  VoucherSearch search(*reader, viewer, options_.max_visited);
  const std::string& subject = request.subject_id();
  if (absl::Status found = search.CollectHolders(subject, facet); !found.ok()) return found;
  if (absl::Status walked = search.WalkFrom(caller.person_id, request.max_depth()); !walked.ok()) {
    return walked;
  }
  auto vouchers = search.Vouchers(caller.person_id, request.max_depth());
  if (!vouchers.ok()) return vouchers.status();
  if (!viewer.status().ok()) return viewer.status();

  v1::FindVouchersResponse response;
  response.set_truncated(search.truncated());
  std::string last_cursor;
  for (const auto& [depth, person] : *vouchers) {
    std::string position = VoucherCursor(depth, person);
    if (!cursor->empty() && position <= *cursor) continue;
    if (response.vouchers_size() == size) {
      response.set_next_page_token(page_tokens_.Encode(query, last_cursor));
      break;
    }
    last_cursor = position;
    v1::Voucher* voucher = response.add_vouchers();
    voucher->set_person_id(person);
    for (auto& step : search.PathTo(person)) voucher->add_path(std::move(step));
  }
  // The page's statements about the subject, read together.
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& voucher : response.vouchers()) pairs.emplace_back(voucher.person_id(), subject);
  auto statements = reader->Statements(pairs);
  if (!statements.ok()) return statements.status();
  for (int i = 0; i < response.vouchers_size(); ++i) {
    auto& statement = (*statements)[i];
    if (!statement) return absl::DataLossError("a voucher's statement is missing");
    *response.mutable_vouchers(i)->mutable_statement() = std::move(*statement);
  }
  return response;
}

absl::StatusOr<v1::SuggestReferencesResponse> RelationshipLogic::SuggestReferences(
    const Caller& caller, const v1::SuggestReferencesRequest& request) {
  FieldErrors errors;
  CheckId(errors, "person_id", request.person_id());
  if (!errors.empty()) return errors.ToStatus();
  if (!caller.MayActFor(request.person_id())) {
    return absl::PermissionDeniedError("suggestions are for the person themself");
  }
  const std::string& person = request.person_id();
  auto positions = identity_->ListAllPositions(person, caller.deadline);
  if (!positions.ok()) return positions.status();

  const int now_month = CurrentMonthIndex();
  auto reader = store_->Snapshot();
  v1::SuggestReferencesResponse response;
  // Whether each person met is already a reference, as the person sees it:
  // read once, however many positions they share.
  absl::flat_hash_map<std::string, bool> known;
  for (const auto& position : *positions) {
    auto overlapping = identity_->FindOverlappingPositions(position.id(), 200, caller.deadline);
    if (!overlapping.ok()) return overlapping.status();
    // Best overlap per person; people the person already knows as a
    // reference (as the person sees it) are not suggested.
    std::map<std::string, v1::Candidate> best;
    for (const auto& other : *overlapping) {
      if (other.person_id() == person) continue;
      // Periods that only overlap in the future (an ongoing position that has
      // not started yet) have shared nothing so far: no candidate.
      int months = OverlapMonths(position.period(), other.period(), now_month);
      if (months <= 0) continue;
      auto [is_reference, unread] = known.try_emplace(other.person_id(), false);
      if (unread) {
        auto edge = reader->Reference(person, other.person_id());
        if (!edge.ok()) return edge.status();
        is_reference->second = AnswersVisibly(*edge);
      }
      if (is_reference->second) continue;
      auto& candidate = best[other.person_id()];
      if (months > candidate.overlap_months()) {
        candidate.set_person_id(other.person_id());
        candidate.set_position_id(other.id());
        candidate.set_overlap_months(months);
      }
    }
    if (best.empty()) continue;
    std::vector<v1::Candidate> ranked;
    for (auto& [id, candidate] : best) ranked.push_back(std::move(candidate));
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
      return a.overlap_months() > b.overlap_months();
    });
    v1::Suggestion* suggestion = response.add_suggestions();
    suggestion->set_position_id(position.id());
    for (int i = 0; i < std::min<int>(ranked.size(), kMaxCandidatesPerPosition); ++i) {
      *suggestion->add_candidates() = std::move(ranked[i]);
    }
  }
  return response;
}

absl::StatusOr<v1::GetCoverageResponse> RelationshipLogic::GetCoverage(
    const Caller& caller, const v1::GetCoverageRequest& request) {
  FieldErrors errors;
  CheckId(errors, "person_id", request.person_id());
  if (!errors.empty()) return errors.ToStatus();
  const std::string& person = request.person_id();
  auto positions = identity_->ListAllPositions(person, caller.deadline);
  if (!positions.ok()) return positions.status();

  auto reader = store_->Snapshot();
  Viewer viewer(caller, *reader);
  absl::flat_hash_map<std::string, int> by_position;
  std::map<std::pair<int, std::string>, int> by_facet;
  // (reference, person): the statements to count.
  std::vector<std::pair<std::string, std::string>> vouchers;
  absl::Status scanned = reader->VisitReferences(person, [&](const ReferenceEdge& edge) {
    if (viewer.CanSeeEdge(person, edge)) vouchers.emplace_back(edge.other, person);
    return true;
  });
  if (!scanned.ok()) return scanned;
  if (!viewer.status().ok()) return viewer.status();
  // What each visible reference vouches for, read at once.
  auto insides = reader->InsideFacets(vouchers);
  if (!insides.ok()) return insides.status();
  for (const auto& inside : *insides) {
    for (const auto& facet : inside) {
      if (facet.kind() == common::v1::FACET_KIND_FUNCTION) {
        ++by_position[facet.key()];
      } else {
        ++by_facet[{facet.kind(), facet.key()}];
      }
    }
  }

  v1::GetCoverageResponse response;
  for (const auto& position : *positions) {
    v1::PositionCoverage* coverage = response.add_positions();
    coverage->set_position_id(position.id());
    auto count = by_position.find(position.id());
    coverage->set_reference_count(count == by_position.end() ? 0 : count->second);
  }
  std::vector<std::pair<std::pair<int, std::string>, int>> facets(by_facet.begin(), by_facet.end());
  std::stable_sort(facets.begin(), facets.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [id, count] : facets) {
    v1::FacetCoverage* coverage = response.add_facets();
    coverage->mutable_facet()->set_kind(static_cast<common::v1::FacetKind>(id.first));
    coverage->mutable_facet()->set_key(id.second);
    coverage->set_reference_count(count);
  }
  return response;
}

}  // namespace trustsphere::relationships
