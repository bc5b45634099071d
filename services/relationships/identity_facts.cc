#include "services/relationships/identity_facts.h"

#include <algorithm>

#include "services/common/core/log.h"

namespace trustsphere::relationships {
namespace {

constexpr int kChangesPage = 1000;
constexpr size_t kIdsPerCall = 100;  // identity's batch-read limit
constexpr absl::Duration kPollDeadline = absl::Seconds(2);

// Calls `fetch` on `ids` by chunks of kIdsPerCall; `each` sees every item.
template <typename Fetch, typename Each>
absl::Status FetchInChunks(const std::vector<std::string>& ids, Fetch fetch, Each each) {
  for (size_t begin = 0; begin < ids.size(); begin += kIdsPerCall) {
    const size_t end = std::min(ids.size(), begin + kIdsPerCall);
    auto items = fetch(std::vector<std::string>(ids.begin() + begin, ids.begin() + end));
    if (!items.ok()) return items.status();
    for (const auto& item : *items) each(item);
  }
  return absl::OkStatus();
}

}  // namespace

IdentityFacts::IdentityFacts(IdentityDirectory* identity, Options options)
    : identity_(identity), options_(options) {}

IdentityFacts::~IdentityFacts() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (follower_.joinable()) follower_.join();
}

void IdentityFacts::StartFollowing() {
  if (!follower_.joinable()) follower_ = std::thread([this] { Follow(); });
}

bool IdentityFacts::fresh() const {
  absl::MutexLock lock(&mu_);
  return FreshLocked();
}

void IdentityFacts::Follow() {
  bool failing = false;
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    mu_.Unlock();
    absl::Status caught_up = CatchUp(absl::Now());
    mu_.Lock();
    if (stopping_) break;  // a catch-up cut short by the stop is no failure
    mu_.Unlock();
    if (!caught_up.ok() && !failing) {
      Log(LogLevel::kWarning, "not following identity's changes; asking identity every time",
          {F("error", caught_up.ToString())});
    } else if (caught_up.ok() && failing) {
      Log(LogLevel::kInfo, "following identity's changes again");
    }
    failing = !caught_up.ok();
    mu_.Lock();
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.poll_interval);
  }
}

absl::Status IdentityFacts::CatchUp(absl::Time started) {
  while (true) {
    auto page = identity_->ListIdentityChanges(cursor_, kChangesPage, absl::Now() + kPollDeadline);
    if (!page.ok()) return page.status();
    Gone gone;
    for (const auto& change : page->changes()) {
      if (change.kind() == identity::v1::IDENTITY_CHANGE_KIND_PERSON_DELETED) {
        gone.people.push_back(change.person_id());
      } else if (change.kind() == identity::v1::IDENTITY_CHANGE_KIND_POSITION_REMOVED) {
        gone.positions.push_back(change.position_id());
      }
    }
    absl::MutexLock lock(&mu_);
    Forget(gone);
    cursor_ = page->next_cursor();
    if (page->changes_size() < kChangesPage) {
      // Deletions committed after `started` may not have been read yet.
      fresh_until_ = started + options_.trust_for;
      return absl::OkStatus();
    }
    if (stopping_) return absl::CancelledError("stopping");
  }
}

void IdentityFacts::Forget(const Gone& gone) {
  for (const auto& id : gone.people) {
    live_.erase(id);
    deleted_.insert(id);
  }
  for (const auto& id : gone.positions) {
    owners_.erase(id);
    removed_.insert(id);
  }
}

void IdentityFacts::RememberLive(const std::vector<std::string>& ids) {
  if (live_.size() + ids.size() > options_.max_remembered) live_.clear();
  for (const auto& id : ids) {
    if (live_.size() >= options_.max_remembered) break;
    if (!deleted_.contains(id)) live_.insert(id);
  }
}

void IdentityFacts::RememberOwners(const std::vector<std::pair<std::string, std::string>>& owners) {
  if (owners_.size() + owners.size() > options_.max_remembered) owners_.clear();
  for (const auto& [position, owner] : owners) {
    if (owners_.size() >= options_.max_remembered) break;
    if (!removed_.contains(position)) owners_.emplace(position, owner);
  }
}

absl::StatusOr<absl::flat_hash_set<std::string>> IdentityFacts::Live(
    const std::set<std::string>& ids, absl::Time deadline) {
  absl::flat_hash_set<std::string> live;
  std::vector<std::string> ask;
  {
    absl::MutexLock lock(&mu_);
    const bool fresh = FreshLocked();
    for (const auto& id : ids) {
      if (deleted_.contains(id)) continue;
      if (fresh && live_.contains(id)) {
        live.insert(id);
      } else {
        ask.push_back(id);
      }
    }
  }
  std::vector<std::string> confirmed;
  Gone gone;
  absl::Status asked = FetchInChunks(
      ask,
      [&](const std::vector<std::string>& chunk) {
        return identity_->BatchGetPersons(chunk, deadline);
      },
      [&](const identity::v1::Person& person) {
        if (person.state() == identity::v1::PERSON_STATE_ACTIVE) {
          confirmed.push_back(person.id());
          live.insert(person.id());
        } else if (person.state() == identity::v1::PERSON_STATE_DELETED) {
          gone.people.push_back(person.id());
        }
      });
  if (!asked.ok()) return asked;
  absl::MutexLock lock(&mu_);
  Forget(gone);
  RememberLive(confirmed);
  return live;
}

absl::StatusOr<absl::flat_hash_map<std::string, std::string>> IdentityFacts::Owners(
    const std::set<std::string>& ids, absl::Time deadline) {
  absl::flat_hash_map<std::string, std::string> owners;
  std::vector<std::string> ask;
  {
    absl::MutexLock lock(&mu_);
    const bool fresh = FreshLocked();
    for (const auto& id : ids) {
      if (removed_.contains(id)) continue;
      auto known = fresh ? owners_.find(id) : owners_.end();
      if (known != owners_.end()) {
        owners.emplace(id, known->second);
      } else {
        ask.push_back(id);
      }
    }
  }
  std::vector<std::pair<std::string, std::string>> confirmed;
  absl::Status asked = FetchInChunks(
      ask,
      [&](const std::vector<std::string>& chunk) {
        return identity_->BatchGetPositions(chunk, deadline);
      },
      [&](const identity::v1::Position& position) {
        confirmed.emplace_back(position.id(), position.person_id());
        owners.emplace(position.id(), position.person_id());
      });
  if (!asked.ok()) return asked;
  absl::MutexLock lock(&mu_);
  RememberOwners(confirmed);
  return owners;
}

}  // namespace trustsphere::relationships
