#include "services/relationships/live_people.h"

#include <algorithm>
#include <vector>

#include "services/common/core/log.h"

namespace trustsphere::relationships {
namespace {

constexpr int kChangesPage = 1000;
constexpr size_t kPersonsPerCall = 100;  // identity's batch-read limit
constexpr absl::Duration kPollDeadline = absl::Seconds(2);

}  // namespace

LivePeople::LivePeople(IdentityDirectory* identity, Options options)
    : identity_(identity), options_(options) {}

LivePeople::~LivePeople() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (follower_.joinable()) follower_.join();
}

void LivePeople::StartFollowing() {
  if (!follower_.joinable()) follower_ = std::thread([this] { Follow(); });
}

bool LivePeople::fresh() const {
  absl::MutexLock lock(&mu_);
  return absl::Now() < fresh_until_;
}

void LivePeople::Follow() {
  bool failing = false;
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    mu_.Unlock();
    absl::Status caught_up = CatchUp(absl::Now());
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

absl::Status LivePeople::CatchUp(absl::Time started) {
  while (true) {
    auto page = identity_->ListIdentityChanges(cursor_, kChangesPage, absl::Now() + kPollDeadline);
    if (!page.ok()) return page.status();
    std::vector<std::string> deleted;
    for (const auto& change : page->changes()) {
      if (change.kind() == identity::v1::IDENTITY_CHANGE_KIND_PERSON_DELETED) {
        deleted.push_back(change.person_id());
      }
    }
    Remember({}, deleted);
    cursor_ = page->next_cursor();
    if (page->changes_size() < kChangesPage) break;
    absl::MutexLock lock(&mu_);
    if (stopping_) return absl::CancelledError("stopping");
  }
  absl::MutexLock lock(&mu_);
  // Deletions committed after `started` may not have been read yet.
  fresh_until_ = started + options_.trust_for;
  return absl::OkStatus();
}

void LivePeople::Remember(const std::vector<std::string>& live,
                          const std::vector<std::string>& deleted) {
  absl::MutexLock lock(&mu_);
  for (const auto& id : deleted) {
    live_.erase(id);
    deleted_.insert(id);
  }
  if (live_.size() + live.size() > options_.max_remembered) live_.clear();
  for (const auto& id : live) {
    if (live_.size() >= options_.max_remembered) break;
    // A deletion read meanwhile wins over an answer given before it.
    if (!deleted_.contains(id)) live_.insert(id);
  }
}

absl::StatusOr<absl::flat_hash_set<std::string>> LivePeople::Live(const std::set<std::string>& ids,
                                                                  absl::Time deadline) {
  absl::flat_hash_set<std::string> live;
  std::vector<std::string> ask;
  {
    absl::MutexLock lock(&mu_);
    const bool use_remembered = absl::Now() < fresh_until_;
    for (const auto& id : ids) {
      if (deleted_.contains(id)) continue;
      if (use_remembered && live_.contains(id)) {
        live.insert(id);
      } else {
        ask.push_back(id);
      }
    }
  }
  std::vector<std::string> confirmed, deleted;
  for (size_t begin = 0; begin < ask.size(); begin += kPersonsPerCall) {
    const size_t end = std::min(ask.size(), begin + kPersonsPerCall);
    auto persons = identity_->BatchGetPersons({ask.begin() + begin, ask.begin() + end}, deadline);
    if (!persons.ok()) return persons.status();
    for (const auto& person : *persons) {
      if (person.state() == identity::v1::PERSON_STATE_ACTIVE) {
        confirmed.push_back(person.id());
        live.insert(person.id());
      } else if (person.state() == identity::v1::PERSON_STATE_DELETED) {
        deleted.push_back(person.id());
      }
    }
  }
  if (!confirmed.empty() || !deleted.empty()) Remember(confirmed, deleted);
  return live;
}

}  // namespace trustsphere::relationships
