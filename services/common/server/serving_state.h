#pragma once

// Whether a server is ready for traffic and whether it is alive, for the
// probes that cannot speak to its gRPC port: Kubernetes' gRPC probe has no
// TLS, so on a TLS port the kubelet asks the metrics port's plain-HTTP
// /readyz and /livez instead. Set beside the gRPC health service, read by
// the metrics endpoint's threads.

#include <atomic>

namespace trustsphere {

struct ServingState {
  std::atomic<bool> ready{false};
  std::atomic<bool> live{false};
};

}  // namespace trustsphere
