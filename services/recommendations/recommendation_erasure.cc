// RecommendationLogic::ErasePerson: what recommendations holds of a person
// identity deleted leaves the store (GDPR article 17).

#include "absl/strings/str_cat.h"
#include "services/recommendations/recommendation_logic.h"

namespace trustsphere::recommendations {
namespace {

// Records erased per listing.
constexpr int kPerRound = 100;

bool Any(const v1::Recommendation&) { return true; }

// A round that listed records and erased none: the listing names records
// the store lacks. Tried again at the next poll rather than spun on.
absl::Status NoProgress(const std::string& person_id, const char* what) {
  return absl::UnavailableError(
      absl::StrCat(what, " of ", person_id, " listed but not stored; trying again"));
}

}  // namespace

absl::StatusOr<int64_t> RecommendationLogic::ErasePerson(const std::string& person_id) {
  // From here no write about the person starts, and none that started
  // before is still running.
  erasures_.Close(person_id);
  int64_t erased = 0;
  // Shares first: from here no token opens the person's dossier. Erased
  // records leave the listings, so each round starts over.
  for (;;) {
    auto shares = store_->SharesOfSubject(person_id, "", kPerRound);
    if (!shares.ok()) return shares.status();
    if (shares->items.empty()) break;
    // Held until the write lands, so that no RevokeShare writes one back.
    std::vector<std::string> lock_keys;
    for (const auto& share : shares->items) lock_keys.push_back("share:" + share.id());
    auto guard = locks_.Lock(lock_keys);
    RecommendationWrite write;
    for (const auto& share : shares->items) {
      auto stored = store_->Share(share.id());
      if (!stored.ok()) return stored.status();
      if (*stored) write.EraseShare(**stored);
    }
    if (write.erased_shares().empty()) return NoProgress(person_id, "shares");
    if (absl::Status applied = store_->Apply(write); !applied.ok()) return applied;
    erased += static_cast<int64_t>(write.erased_shares().size());
  }

  // What the person wrote and what was written of them, each under the
  // locks the staleness consumer takes, so that it never writes one back.
  for (auto list : {&RecommendationStore::RecommendationsByAuthor,
                    &RecommendationStore::RecommendationsOfSubject}) {
    for (;;) {
      auto page = ((*store_).*list)(person_id, "", kPerRound, Any);
      if (!page.ok()) return page.status();
      if (page->items.empty()) break;
      const int64_t before = erased;
      for (const auto& listed : page->items) {
        auto guard = locks_.Lock(
            {PairLock(listed.author_id(), listed.subject_id()), RecommendationLock(listed.id())});
        auto stored = store_->Recommendation(listed.id());
        if (!stored.ok()) return stored.status();
        if (!*stored) continue;
        RecommendationWrite write;
        write.EraseRecommendation(**stored);
        if (absl::Status applied = store_->Apply(write); !applied.ok()) return applied;
        ++erased;
      }
      if (erased == before) return NoProgress(person_id, "recommendations");
    }
  }

  // Requests the person sent or was sent.
  for (auto list :
       {&RecommendationStore::RequestsToAuthor, &RecommendationStore::RequestsFromSubject}) {
    for (;;) {
      auto page = ((*store_).*list)(person_id, "", kPerRound);
      if (!page.ok()) return page.status();
      if (page->items.empty()) break;
      const int64_t before = erased;
      for (const auto& listed : page->items) {
        auto guard = locks_.Lock({RequestsLock(listed.subject_id())});
        auto stored = store_->Request(listed.id());
        if (!stored.ok()) return stored.status();
        if (!*stored) continue;
        RecommendationWrite write;
        write.EraseRequest(**stored);
        if (absl::Status applied = store_->Apply(write); !applied.ok()) return applied;
        ++erased;
      }
      if (erased == before) return NoProgress(person_id, "requests");
    }
  }

  // The people the person blocked.
  for (;;) {
    auto guard = locks_.Lock({BlocksLock(person_id)});
    auto blocked = store_->BlockedRequesters(person_id, "", kPerRound);
    if (!blocked.ok()) return blocked.status();
    if (blocked->items.empty()) break;
    RecommendationWrite write;
    for (const auto& requester : blocked->items)
      write.UnblockRequester(person_id, requester.person_id());
    if (absl::Status applied = store_->Apply(write); !applied.ok()) return applied;
    erased += static_cast<int64_t>(blocked->items.size());
  }

  // Others' blocks of the person.
  auto blocks = store_->EraseBlocksOf(person_id);
  if (!blocks.ok()) return blocks.status();
  erased += *blocks;

  // Reads of their dossier, and what others' reads showed of theirs.
  for (;;) {
    auto entries = store_->EraseAccessLog(person_id, kPerRound);
    if (!entries.ok()) return entries.status();
    if (*entries == 0) break;
    erased += *entries;
  }
  return erased;
}

}  // namespace trustsphere::recommendations
