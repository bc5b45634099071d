#pragma once

// Runs a task every period on a thread of its own, from one period after
// the start until destroyed (which waits for a run under way). A run that
// fails is logged and tried again at the next period.

#include <functional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace trustsphere {

class PeriodicTask {
 public:
  PeriodicTask(std::string name, absl::Duration period, std::function<absl::Status()> task);
  ~PeriodicTask();
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

 private:
  const std::string name_;
  absl::Notification stop_;
  std::thread worker_;
};

}  // namespace trustsphere
