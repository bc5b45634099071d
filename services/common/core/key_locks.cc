#include "services/common/core/key_locks.h"

#include <algorithm>

namespace trustsphere {

KeyLocks::Guard::~Guard() {
  if (owner_ != nullptr) owner_->Release(held_);
}

KeyLocks::Guard KeyLocks::Lock(std::vector<std::string> keys) {
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  std::vector<Entry*> held;
  held.reserve(keys.size());
  absl::MutexLock lock(&mu_);
  for (auto& key : keys) {
    Entry& entry = *holders_.try_emplace(std::move(key)).first;
    ++entry.second.users;
    // Waiting releases mu_, so holders of other keys come and go meanwhile.
    mu_.Await(absl::Condition(
        +[](Holder* holder) { return !holder->held; }, &entry.second));
    entry.second.held = true;
    held.push_back(&entry);
  }
  return Guard(this, std::move(held));
}

void KeyLocks::Release(const std::vector<Entry*>& held) {
  absl::MutexLock lock(&mu_);
  for (auto it = held.rbegin(); it != held.rend(); ++it) {
    Entry* entry = *it;
    entry->second.held = false;
    if (--entry->second.users == 0) holders_.erase(holders_.find(entry->first));
  }
}

}  // namespace trustsphere
