#include "services/common/core/key_locks.h"

#include <algorithm>
#include <functional>

namespace trustsphere {

KeyLocks::Guard::~Guard() {
  for (auto it = held_.rbegin(); it != held_.rend(); ++it) (*it)->Unlock();
}

KeyLocks::Guard KeyLocks::Lock(const std::vector<std::string>& keys) {
  std::vector<size_t> indexes;
  for (const auto& key : keys) indexes.push_back(std::hash<std::string>{}(key) % kStripes);
  std::sort(indexes.begin(), indexes.end());
  indexes.erase(std::unique(indexes.begin(), indexes.end()), indexes.end());
  std::vector<absl::Mutex*> held;
  for (size_t index : indexes) {
    stripes_[index].Lock();
    held.push_back(&stripes_[index]);
  }
  return Guard(std::move(held));
}

}  // namespace trustsphere
