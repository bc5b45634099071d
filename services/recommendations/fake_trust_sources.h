#pragma once

// TrustOracle and TrustChanges in memory, for the logic tests: statements a
// test sets, verdicts computed from them as relationships computes them for
// a service (which sees every statement), and a change stream a test feeds.
// Thread-safe.

#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "services/recommendations/trust_sources.h"

namespace trustsphere::recommendations {

class FakeTrust final : public TrustOracle, public TrustChanges {
 public:
  // The author's current statement about the subject (active, with these
  // facets inside and outside), and its change on the stream.
  void State(const std::string& truster, const std::string& trustee,
             const std::vector<common::v1::Facet>& inside,
             const std::vector<common::v1::Facet>& outside = {});
  // Replaces the rest of the current statement (roles, context positions,
  // note, creation time), keeping its state and sphere; not streamed.
  void Describe(const rv1::TrustStatement& statement);
  void Revoke(const std::string& truster, const std::string& trustee);
  // While set, Verdicts and Statements answer UNAVAILABLE.
  void SetUnavailable(bool unavailable);
  // Changes published so far (the last one's cursor).
  int changes() const;

  absl::StatusOr<std::vector<rv1::Verdict>> Verdicts(
      const std::vector<rv1::CheckTrustRequest>& checks, absl::Time deadline) override;
  absl::StatusOr<std::vector<std::optional<rv1::TrustStatement>>> Statements(
      const std::vector<std::pair<std::string, std::string>>& pairs, absl::Time deadline) override;
  absl::StatusOr<std::unique_ptr<TrustChangeStream>> Follow(
      const std::string& after_cursor) override;

 private:
  class Stream;
  void Publish(rv1::ChangeKind kind, const rv1::TrustStatement& statement)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  bool unavailable_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::pair<std::string, std::string>, rv1::TrustStatement> statements_
      ABSL_GUARDED_BY(mu_);
  // Every change, its cursor its index + 1.
  std::vector<rv1::TrustChange> log_ ABSL_GUARDED_BY(mu_);
};

}  // namespace trustsphere::recommendations
