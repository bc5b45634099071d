// RelationshipLogic::ErasePerson: a deleted person's statements, and those
// about them, leave the store (GDPR article 17).

#include <set>

#include "absl/strings/str_cat.h"

#include "services/relationships/relationship_logic.h"

namespace trustsphere::relationships {
namespace {

// Pairs erased per listing of the person's statements.
constexpr int kPairsPerRound = 100;

bool Any(const v1::TrustStatement&) { return true; }

}  // namespace

absl::StatusOr<int64_t> RelationshipLogic::ErasePerson(const std::string& person_id) {
  // From here on no write about the person starts, and none that started
  // before is still running: the listings below see everything.
  erasures_.Close(person_id);
  int64_t erased = 0;
  for (;;) {
    // Erased statements leave the listings, so each round starts over.
    auto reader = store_->Latest();
    std::set<std::string> others;
    auto made = reader->Outgoing(person_id, "", kPairsPerRound, Any);
    if (!made.ok()) return made.status();
    for (const auto& statement : made->items) others.insert(statement.trustee_id());
    auto about = reader->Incoming(person_id, "", kPairsPerRound, Any);
    if (!about.ok()) return about.status();
    for (const auto& statement : about->items) others.insert(statement.truster_id());
    if (others.empty()) return erased;

    int64_t erased_this_round = 0;
    for (const std::string& other : others) {
      std::vector<std::string> keys;
      AddPairLockKeys(person_id, other, keys);
      keys.push_back("truster:" + other);
      auto guard = locks_.Lock(keys);
      auto stored = store_->Latest()->Statements({{person_id, other}, {other, person_id}});
      if (!stored.ok()) return stored.status();
      const std::optional<v1::TrustStatement>& mine = (*stored)[0];
      const std::optional<v1::TrustStatement>& theirs = (*stored)[1];
      std::vector<StatementChange> changes;
      if (mine) {
        changes.push_back({.before = mine,
                           .after = ErasedStatement(person_id, other),
                           .reverse = theirs,
                           .kind = v1::CHANGE_KIND_ERASED});
      }
      if (theirs) {
        // The statement back is erased first in the same write.
        changes.push_back({.before = theirs,
                           .after = ErasedStatement(other, person_id),
                           .reverse = std::nullopt,
                           .kind = v1::CHANGE_KIND_ERASED});
      }
      if (changes.empty()) continue;
      if (auto applied = store_->Apply(changes, std::nullopt); !applied.ok()) {
        return applied.status();
      }
      erased_this_round += static_cast<int64_t>(changes.size());
    }
    erased += erased_this_round;
    // Listed but not stored: the listing lags the store (another replica's
    // erasure not yet followed). Tried again at the next poll rather than
    // spun on.
    if (erased_this_round == 0) {
      return absl::UnavailableError(
          absl::StrCat("statements of ", person_id, " listed but not stored; trying again"));
    }
  }
}

}  // namespace trustsphere::relationships
