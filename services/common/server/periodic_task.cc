#include "services/common/server/periodic_task.h"

#include "services/common/core/log.h"

namespace trustsphere {

PeriodicTask::PeriodicTask(std::string name, absl::Duration period,
                           std::function<absl::Status()> task)
    : name_(std::move(name)) {
  worker_ = std::thread([this, period, task = std::move(task)] {
    while (!stop_.WaitForNotificationWithTimeout(period)) {
      if (absl::Status ran = task(); !ran.ok()) {
        Log(LogLevel::kWarning, "periodic task failed; tried again next period",
            {F("task", name_), F("error", ran.ToString())});
      }
    }
  });
}

PeriodicTask::~PeriodicTask() {
  stop_.Notify();
  worker_.join();
}

}  // namespace trustsphere
