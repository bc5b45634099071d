#pragma once

#include <chrono>
#include <thread>

namespace trustsphere::testing {

// Polls `done` every `period` until it holds or `timeout` passes; whether
// it held.
template <typename Done>
bool WaitUntil(Done done, std::chrono::milliseconds timeout,
               std::chrono::milliseconds period = std::chrono::milliseconds(50)) {
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(period);
  }
  return true;
}

}  // namespace trustsphere::testing
