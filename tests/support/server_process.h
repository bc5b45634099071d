#pragma once

// Starts a real server binary on a loopback port chosen at run time and
// waits until its health check says SERVING.

#include <memory>
#include <string>
#include <vector>

#include "grpcpp/channel.h"
#include "grpcpp/security/credentials.h"
#include "tests/support/child_process.h"

namespace trustsphere::testing {

class ServerProcess {
 public:
  // binary: path of the server; args: flags besides --listen (`listen`,
  // by default a port chosen at run time) and --quotas=off (which args may
  // override). Fails the calling test (and
  // returns null) when the server does not report its port and SERVING
  // within 30 seconds. Channels to it use `credentials` (null: plaintext).
  static std::unique_ptr<ServerProcess> Start(
      const std::string& binary, const std::vector<std::string>& args,
      const std::string& listen = "127.0.0.1:0",
      std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr);

  const std::string& address() const { return address_; }
  // HOST:PORT of /metrics, when started with --metrics_listen.
  const std::string& metrics_address() const { return metrics_address_; }
  std::shared_ptr<grpc::Channel> NewChannel() const;
  // Health of the given service ("" = the whole server): "SERVING",
  // "NOT_SERVING", or the gRPC error.
  std::string Health(const std::string& service = "") const;

  // SIGTERM and wait; returns the exit status (or -1 on timeout).
  int Terminate();
  // SIGKILL and wait.
  void Kill();
  // Sends a signal (ChildProcess::Signal: SIGSTOP waits until stopped).
  void Signal(int signal) { child_->Signal(signal); }

 private:
  explicit ServerProcess(std::unique_ptr<ChildProcess> child) : child_(std::move(child)) {}
  std::unique_ptr<ChildProcess> child_;
  std::shared_ptr<grpc::ChannelCredentials> credentials_;
  std::string address_;
  std::string metrics_address_;
};

}  // namespace trustsphere::testing
