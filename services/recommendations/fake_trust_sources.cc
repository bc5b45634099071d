#include "services/recommendations/fake_trust_sources.h"

#include "absl/strings/numbers.h"
#include "services/common/core/facet.h"

namespace trustsphere::recommendations {
// Reads the fake's log from a cursor; a blocked Read wakes on new changes
// or on Cancel.
class FakeTrust::Stream final : public TrustChangeStream {
 public:
  Stream(FakeTrust& trust, size_t next) : trust_(trust), next_(next) {}
  bool Read(rv1::TrustChange* change) override {
    absl::MutexLock lock(&trust_.mu_);
    trust_.mu_.Await(absl::Condition(
        +[](Stream* self) ABSL_NO_THREAD_SAFETY_ANALYSIS {
          return self->cancelled_ || self->next_ < self->trust_.log_.size();
        },
        this));
    if (cancelled_) return false;
    *change = trust_.log_[next_++];
    return true;
  }
  void Cancel() override {
    absl::MutexLock lock(&trust_.mu_);
    cancelled_ = true;
  }
  absl::Status Finish() override { return absl::CancelledError("cancelled"); }

 private:
  FakeTrust& trust_;
  size_t next_;
  bool cancelled_ = false;
};

void FakeTrust::Publish(rv1::ChangeKind kind, const rv1::TrustStatement& statement) {
  rv1::TrustChange change;
  change.set_kind(kind);
  *change.mutable_statement() = statement;
  change.set_cursor(std::to_string(log_.size() + 1));
  log_.push_back(std::move(change));
}

void FakeTrust::State(const std::string& truster, const std::string& trustee,
                      const std::vector<common::v1::Facet>& inside,
                      const std::vector<common::v1::Facet>& outside) {
  absl::MutexLock lock(&mu_);
  auto [it, created] = statements_.try_emplace({truster, trustee});
  rv1::TrustStatement& statement = it->second;
  statement.set_truster_id(truster);
  statement.set_trustee_id(trustee);
  statement.set_state(rv1::TRUST_STATE_ACTIVE);
  statement.mutable_sphere()->clear_inside();
  statement.mutable_sphere()->clear_outside();
  for (const auto& facet : inside) *statement.mutable_sphere()->add_inside() = facet;
  for (const auto& facet : outside) *statement.mutable_sphere()->add_outside() = facet;
  Publish(created ? rv1::CHANGE_KIND_CREATED : rv1::CHANGE_KIND_UPDATED, statement);
}

void FakeTrust::Describe(const rv1::TrustStatement& description) {
  absl::MutexLock lock(&mu_);
  rv1::TrustStatement& statement =
      statements_[{description.truster_id(), description.trustee_id()}];
  const rv1::TrustState state = statement.state();
  const rv1::Sphere sphere = statement.sphere();
  statement = description;
  statement.set_state(state);
  *statement.mutable_sphere() = sphere;
}

void FakeTrust::Revoke(const std::string& truster, const std::string& trustee) {
  absl::MutexLock lock(&mu_);
  rv1::TrustStatement& statement = statements_[{truster, trustee}];
  statement.set_state(rv1::TRUST_STATE_REVOKED);
  Publish(rv1::CHANGE_KIND_REVOKED, statement);
}

void FakeTrust::SetUnavailable(bool unavailable) {
  absl::MutexLock lock(&mu_);
  unavailable_ = unavailable;
}

int FakeTrust::changes() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(log_.size());
}

absl::StatusOr<std::vector<rv1::Verdict>> FakeTrust::Verdicts(
    const std::vector<rv1::CheckTrustRequest>& checks, absl::Time) {
  absl::MutexLock lock(&mu_);
  if (unavailable_) return absl::UnavailableError("relationships is down (fake)");
  std::vector<rv1::Verdict> verdicts;
  for (const auto& check : checks) {
    FieldErrors ignored;
    const common::v1::Facet facet = NormalizeFacet(ignored, "facet", check.facet());
    auto it = statements_.find({check.truster_id(), check.trustee_id()});
    if (it == statements_.end() || it->second.state() != rv1::TRUST_STATE_ACTIVE) {
      verdicts.push_back(rv1::VERDICT_NO_TRUST);
    } else if (ContainsFacet(it->second.sphere().inside(), facet)) {
      verdicts.push_back(rv1::VERDICT_INSIDE);
    } else if (ContainsFacet(it->second.sphere().outside(), facet)) {
      verdicts.push_back(rv1::VERDICT_OUTSIDE);
    } else {
      verdicts.push_back(rv1::VERDICT_NOT_STATED);
    }
  }
  return verdicts;
}

absl::StatusOr<std::vector<std::optional<rv1::TrustStatement>>> FakeTrust::Statements(
    const std::vector<std::pair<std::string, std::string>>& pairs, absl::Time) {
  absl::MutexLock lock(&mu_);
  if (unavailable_) return absl::UnavailableError("relationships is down (fake)");
  std::vector<std::optional<rv1::TrustStatement>> found;
  for (const auto& pair : pairs) {
    auto it = statements_.find(pair);
    found.push_back(it == statements_.end() ? std::nullopt
                                            : std::optional<rv1::TrustStatement>(it->second));
  }
  return found;
}

absl::StatusOr<std::unique_ptr<TrustChangeStream>> FakeTrust::Follow(
    const std::string& after_cursor) {
  uint64_t after = 0;
  if (!after_cursor.empty() && !absl::SimpleAtoi(after_cursor, &after)) {
    return absl::InvalidArgumentError("not a cursor");
  }
  return std::make_unique<Stream>(*this, static_cast<size_t>(after));
}

}  // namespace trustsphere::recommendations
