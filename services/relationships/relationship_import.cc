// ImportTrust: an operator's bulk load of statements. Each statement gets
// the checks PutTrust gives it when its truster sends it (the same content
// rules, the same confirmation with identity, the same limits), applied in
// stream order so the outcome is that of the same PutTrust calls, and each
// batch is one atomic write.

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/node_hash_map.h"
#include "absl/strings/str_cat.h"
#include "services/common/core/validation.h"
#include "services/relationships/relationship_logic.h"
#include "services/relationships/trust_validation.h"

namespace trustsphere::relationships {
namespace {

std::string Item(size_t i) { return absl::StrCat("statements[", i, "]"); }

// A refusal of the batch because of statement `item`.
absl::Status ForBatchItem(const absl::Status& status, const std::string& item) {
  return absl::Status(status.code(), item + ": " + std::string(status.message()));
}

using PairKey = std::pair<std::string, std::string>;

}  // namespace

absl::Status RelationshipLogic::ImportTrust(const Caller& caller,
                                            const v1::ImportTrustRequest& request,
                                            v1::ImportTrustResponse* totals) {
  if (!caller.Has(Role::kOperator)) {
    return absl::PermissionDeniedError("imports are for operators only");
  }
  if (request.statements().empty() || request.statements_size() > kMaxImportBatch) {
    return InvalidField("statements",
                        absl::StrCat("1 to ", kMaxImportBatch, " statements per message"));
  }

  // Content, checked locally.
  std::vector<v1::TrustStatement> statements;
  absl::flat_hash_set<PairKey> seen_pairs;
  for (int i = 0; i < request.statements_size(); ++i) {
    const v1::TrustStatement& input = request.statements(i);
    FieldErrors truster_errors;
    CheckId(truster_errors, Item(i) + ".truster_id", input.truster_id());
    if (!truster_errors.empty()) return truster_errors.ToStatus();
    auto normalized = NormalizeStatement(input, input.truster_id(), Item(i));
    if (!normalized.ok()) return normalized.status();
    if (!seen_pairs.insert({normalized->truster_id(), normalized->trustee_id()}).second) {
      return InvalidField(Item(i) + ".trustee_id", "the same pair appears twice in the batch");
    }
    statements.push_back(*std::move(normalized));
  }
  if (absl::Status confirmed =
          ConfirmWithIdentity(identity_facts_, statements, Item, caller.deadline);
      !confirmed.ok()) {
    return confirmed;
  }

  // Applied in order, as the same PutTrust calls would be; `current` and
  // `counts` hold this batch's statements and its people's counts, which
  // the store does not show yet.
  std::vector<std::string> lock_keys;
  std::vector<absl::string_view> people;
  for (const auto& statement : statements) {
    AddPairLockKeys(statement.truster_id(), statement.trustee_id(), lock_keys);
    people.push_back(statement.truster_id());
    people.push_back(statement.trustee_id());
  }
  auto pass = erasures_.Enter(people);
  if (!pass.ok()) return pass.status();
  auto guard = locks_.Lock(lock_keys);
  auto reader = store_->Latest();
  // Every statement of the batch and every one back, read together; then
  // kept up to date with what the batch writes.
  std::vector<PairKey> pairs;
  for (const auto& statement : statements) {
    pairs.emplace_back(statement.truster_id(), statement.trustee_id());
    pairs.emplace_back(statement.trustee_id(), statement.truster_id());
  }
  auto stored = reader->Statements(pairs);
  if (!stored.ok()) return stored.status();
  absl::flat_hash_map<PairKey, v1::TrustStatement> current;
  for (size_t i = 0; i < pairs.size(); ++i) {
    if ((*stored)[i]) current[pairs[i]] = std::move(*(*stored)[i]);
  }
  auto find = [&](const std::string& truster,
                  const std::string& trustee) -> std::optional<v1::TrustStatement> {
    if (auto it = current.find(PairKey{truster, trustee}); it != current.end()) return it->second;
    return std::nullopt;
  };
  // Node-based: pointers to two people's counts are held at once.
  absl::node_hash_map<std::string, StatementCounts> counts;
  auto counts_of = [&](const std::string& person) -> absl::StatusOr<StatementCounts*> {
    auto it = counts.find(person);
    if (it == counts.end()) {
      auto stored = reader->Counts(person);
      if (!stored.ok()) return stored.status();
      it = counts.emplace(person, *stored).first;
    }
    return &it->second;
  };

  std::vector<StatementChange> changes;
  // As the operator spelt them: the vocabulary keeps a tag's first spelling
  // for display, so the normalised keys would lose its accents and case.
  std::vector<identity::v1::Tag> tags_used;
  v1::ImportTrustResponse batch_totals;
  for (size_t i = 0; i < statements.size(); ++i) {
    // Copies: the statement is moved into the change below.
    const std::string truster = statements[i].truster_id();
    const std::string trustee = statements[i].trustee_id();
    if (find(truster, trustee)) {  // imported already: rerunning an import resumes it
      batch_totals.set_statements_skipped(batch_totals.statements_skipped() + 1);
      continue;
    }
    StatementChange change{
        .before = std::nullopt,
        .after = Stamped(std::move(statements[i]), v1::TRUST_STATE_ACTIVE, std::nullopt),
        .reverse = find(trustee, truster),
        .kind = v1::CHANGE_KIND_CREATED};
    auto truster_counts = counts_of(truster);
    if (!truster_counts.ok()) return truster_counts.status();
    if (absl::Status allowed = CheckLimits(options_.limits, **truster_counts, change);
        !allowed.ok()) {
      return ForBatchItem(allowed, Item(i));
    }
    auto trustee_counts = counts_of(trustee);
    if (!trustee_counts.ok()) return trustee_counts.status();
    const CountDeltas deltas = DeltasOf(change);
    Add(**truster_counts, deltas.truster);
    Add(**trustee_counts, deltas.trustee);
    current[PairKey{truster, trustee}] = change.after;
    changes.push_back(std::move(change));
    for (auto& tag : VocabularyTags(request.statements(i))) tags_used.push_back(std::move(tag));
    batch_totals.set_statements_imported(batch_totals.statements_imported() + 1);
  }
  if (auto applied = store_->Apply(changes, std::nullopt); !applied.ok()) {
    return applied.status();
  }
  totals->set_statements_imported(totals->statements_imported() +
                                  batch_totals.statements_imported());
  totals->set_statements_skipped(totals->statements_skipped() + batch_totals.statements_skipped());
  tag_uses_.Add(tags_used);
  return absl::OkStatus();
}

}  // namespace trustsphere::relationships
