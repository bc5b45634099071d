// ImportTrust: an operator's bulk load of statements. Each statement gets
// the checks PutTrust gives it when its truster sends it (content, people and
// positions confirmed with identity, the per-person limits), applied in
// stream order so the outcome is that of the same PutTrust calls, and each
// batch is one atomic write.

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/core/crypto.h"
#include "services/common/core/proto_time.h"
#include "services/common/core/validation.h"
#include "services/relationships/relationship_logic.h"
#include "services/relationships/relationships_keys.h"
#include "services/relationships/trust_validation.h"

namespace trustsphere::relationships {
namespace {

// The one-at-a-time checks speak of "statement."; in a batch the field is
// "statements[i].".
absl::Status ForBatchItem(const absl::Status& status, const std::string& item) {
  auto violations = FieldViolationsOf(status);
  if (violations.empty()) {
    return absl::Status(status.code(), item + ": " + std::string(status.message()));
  }
  FieldErrors errors;
  for (const auto& [field, description] : violations) {
    std::string renamed = field;
    if (absl::StartsWith(renamed, "statement")) renamed = item + renamed.substr(9);
    errors.Add(renamed, description);
  }
  return errors.ToStatus();
}

// Calls `fetch` on `ids` by chunks of 100 (identity's batch-read limit).
template <typename Item, typename Fetch>
absl::StatusOr<std::vector<Item>> FetchInChunks(const absl::flat_hash_set<std::string>& ids,
                                                Fetch fetch) {
  constexpr size_t kChunk = 100;
  const std::vector<std::string> all(ids.begin(), ids.end());
  std::vector<Item> found;
  for (size_t begin = 0; begin < all.size(); begin += kChunk) {
    auto part = fetch(std::vector<std::string>(all.begin() + begin,
                                               all.begin() + std::min(all.size(), begin + kChunk)));
    if (!part.ok()) return part.status();
    found.insert(found.end(), std::make_move_iterator(part->begin()),
                 std::make_move_iterator(part->end()));
  }
  return found;
}

using PairKey = std::pair<std::string, std::string>;

}  // namespace

absl::Status RelationshipLogic::ImportTrust(const Caller& caller,
                                            const v1::ImportTrustRequest& request,
                                            v1::ImportTrustResponse* totals) {
  if (!caller.Has(Role::kOperator)) {
    return absl::PermissionDeniedError("imports are for operators only");
  }
  FieldErrors errors;
  if (request.statements().empty() || request.statements_size() > kMaxImportBatch) {
    errors.Add("statements", absl::StrCat("1 to ", kMaxImportBatch, " statements per message"));
  }
  if (!errors.empty()) return errors.ToStatus();

  // Content, checked locally.
  std::vector<v1::TrustStatement> statements;
  absl::flat_hash_set<PairKey> seen_pairs;
  for (int i = 0; i < request.statements_size(); ++i) {
    const v1::TrustStatement& input = request.statements(i);
    const std::string item = absl::StrCat("statements[", i, "]");
    FieldErrors truster_errors;
    CheckId(truster_errors, item + ".truster_id", input.truster_id());
    if (!truster_errors.empty()) return truster_errors.ToStatus();
    auto normalized = NormalizeStatement(input, input.truster_id());
    if (!normalized.ok()) return ForBatchItem(normalized.status(), item);
    if (!seen_pairs.insert({normalized->truster_id(), normalized->trustee_id()}).second) {
      return InvalidField(item + ".trustee_id", "the same pair appears twice in the batch");
    }
    statements.push_back(*std::move(normalized));
  }

  // People and positions, confirmed with identity in a few calls.
  absl::flat_hash_set<std::string> person_set, position_set;
  for (const auto& statement : statements) {
    person_set.insert(statement.truster_id());
    person_set.insert(statement.trustee_id());
    for (auto& id : NamedPositions(statement)) position_set.insert(std::move(id));
  }
  auto persons =
      FetchInChunks<identity::v1::Person>(person_set, [&](const std::vector<std::string>& ids) {
        return identity_->BatchGetPersons(ids, caller.deadline);
      });
  if (!persons.ok()) return persons.status();
  auto positions =
      FetchInChunks<identity::v1::Position>(position_set, [&](const std::vector<std::string>& ids) {
        return identity_->BatchGetPositions(ids, caller.deadline);
      });
  if (!positions.ok()) return positions.status();
  absl::flat_hash_set<std::string> live;
  for (const auto& person : *persons) {
    if (person.state() == identity::v1::PERSON_STATE_ACTIVE) live.insert(person.id());
  }
  absl::flat_hash_map<std::string, const identity::v1::Position*> position_by_id;
  for (const auto& position : *positions) position_by_id[position.id()] = &position;
  for (size_t i = 0; i < statements.size(); ++i) {
    const std::string item = absl::StrCat("statements[", i, "]");
    const std::pair<const char*, const std::string*> ends[] = {
        {"truster_id", &statements[i].truster_id()}, {"trustee_id", &statements[i].trustee_id()}};
    for (const auto& [field, id] : ends) {
      if (!live.contains(*id)) {
        return absl::NotFoundError(
            absl::StrCat(item, ".", field, ": the person does not exist or was deleted"));
      }
    }
    // Only the positions this statement names: the batch may name thousands.
    std::vector<identity::v1::Position> named;
    for (const auto& id : NamedPositions(statements[i])) {
      if (auto it = position_by_id.find(id); it != position_by_id.end()) {
        named.push_back(*it->second);
      }
    }
    if (absl::Status owned = CheckPositionOwnership(statements[i], named); !owned.ok()) {
      return ForBatchItem(owned, item);
    }
  }

  // Applied in order, as the same PutTrust calls would be; `written` holds
  // this batch's statements, which the store does not show yet.
  std::vector<std::string> lock_keys;
  for (const auto& statement : statements) {
    AddPairLockKeys(statement.truster_id(), statement.trustee_id(), lock_keys);
  }
  auto guard = locks_.Lock(lock_keys);

  absl::flat_hash_map<PairKey, v1::TrustStatement> written;
  auto find = [&](const std::string& truster,
                  const std::string& trustee) -> absl::StatusOr<std::optional<v1::TrustStatement>> {
    if (auto it = written.find(PairKey{truster, trustee}); it != written.end()) return it->second;
    return store_->FindStatement(truster, trustee);
  };
  // Statements held and unanswered statements received, read once per
  // person and kept up to date through the batch.
  absl::flat_hash_map<std::string, int> held, waiting;
  auto count = [&](absl::flat_hash_map<std::string, int>& counts, storage::Family family,
                   const std::string& person, int limit) -> absl::StatusOr<int*> {
    auto it = counts.find(person);
    if (it == counts.end()) {
      auto stored = CountUpTo(family, keys::PairPrefix(person), limit);
      if (!stored.ok()) return stored.status();
      it = counts.emplace(person, *stored).first;
    }
    return &it->second;
  };

  const absl::Time now = absl::Now();
  storage::WriteBatch batch;
  v1::ImportTrustResponse counts;
  std::vector<std::vector<identity::v1::Tag>> imported_tags;
  for (size_t i = 0; i < statements.size(); ++i) {
    v1::TrustStatement& after = statements[i];
    const std::string item = absl::StrCat("statements[", i, "]");
    const std::string& truster = after.truster_id();
    const std::string& trustee = after.trustee_id();
    auto before = find(truster, trustee);
    if (!before.ok()) return before.status();
    if (before->has_value()) {
      counts.set_statements_skipped(counts.statements_skipped() + 1);
      continue;
    }
    auto reverse = find(trustee, truster);
    if (!reverse.ok()) return reverse.status();

    auto statements_held =
        count(held, keys::kStatements, truster, options_.max_statements_per_truster);
    if (!statements_held.ok()) return statements_held.status();
    if (**statements_held >= options_.max_statements_per_truster) {
      return absl::ResourceExhaustedError(absl::StrCat(
          item, ": a person holds at most ", options_.max_statements_per_truster, " statements"));
    }
    if (IsActive(*reverse)) {  // answers a statement the truster was waiting on
      auto answered = count(waiting, keys::kPending, truster, options_.max_pending_per_trustee);
      if (!answered.ok()) return answered.status();
      if (**answered > 0) --**answered;
    } else {
      auto unanswered = count(waiting, keys::kPending, trustee, options_.max_pending_per_trustee);
      if (!unanswered.ok()) return unanswered.status();
      if (**unanswered >= options_.max_pending_per_trustee) {
        return absl::ResourceExhaustedError(
            absl::StrCat(item, ": the trustee has too many unanswered statements"));
      }
      ++**unanswered;
    }
    ++**statements_held;

    after.set_state(v1::TRUST_STATE_ACTIVE);
    *after.mutable_create_time() = ToProto(now);
    *after.mutable_update_time() = ToProto(now);
    after.set_etag(NewEtag());
    RelationshipStore::WriteStatement(batch, std::nullopt, after, *reverse,
                                      v1::CHANGE_KIND_CREATED);
    written[PairKey{truster, trustee}] = after;
    imported_tags.push_back(VocabularyTags(after));
    counts.set_statements_imported(counts.statements_imported() + 1);
  }
  if (absl::Status committed = store_->Commit(std::move(batch)); !committed.ok()) return committed;
  totals->set_statements_imported(totals->statements_imported() + counts.statements_imported());
  totals->set_statements_skipped(totals->statements_skipped() + counts.statements_skipped());

  for (const auto& tags : imported_tags) tag_uses_.Add(tags);
  return absl::OkStatus();
}

}  // namespace trustsphere::relationships
