#pragma once

// Counts the uses of competency and quality tags for identity's vocabulary
// ranking, off the write path: statements add their tags here, and a
// background thread sends the summed counts to identity once per period.
// The counts are a ranking hint, so a failed send is logged and dropped, and
// uses not yet sent when the process dies are lost; a statement never waits
// for, or fails because of, identity's vocabulary.

#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/downstream/identity_directory.h"

namespace trustsphere::relationships {

class TagUseRecorder {
 public:
  TagUseRecorder(IdentityDirectory* identity, absl::Duration period);
  // Sends what is left, then stops.
  ~TagUseRecorder();

  void Add(const std::vector<identity::v1::Tag>& tags);

 private:
  void Run();
  void Send(std::map<std::pair<int, std::string>, identity::v1::Tag> uses);

  IdentityDirectory* identity_;
  const absl::Duration period_;
  absl::Mutex mu_;
  // By (kind, key): the spelling first seen, with the uses summed.
  std::map<std::pair<int, std::string>, identity::v1::Tag> pending_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace trustsphere::relationships
