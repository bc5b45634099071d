#include "tests/support/server_process.h"

#include <signal.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace trustsphere::testing {

using namespace std::chrono_literals;

std::unique_ptr<ServerProcess> ServerProcess::Start(
    const std::string& binary, const std::vector<std::string>& args, const std::string& listen,
    std::shared_ptr<grpc::ChannelCredentials> credentials) {
  // Every test calls from 127.0.0.1, so per-address limits would couple
  // tests of other things; a test of the limits passes --quotas=on after.
  std::vector<std::string> argv = {binary, "--listen=" + listen, "--quotas=off"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::unique_ptr<ServerProcess> server(new ServerProcess(std::make_unique<ChildProcess>(argv)));
  server->credentials_ =
      credentials != nullptr ? std::move(credentials) : grpc::InsecureChannelCredentials();
  auto line = server->child_->ReadLine(30s);
  const std::string prefix = "listening on ";
  if (!line || line->rfind(prefix, 0) != 0) {
    ADD_FAILURE() << binary << " did not report its address";
    return nullptr;
  }
  server->address_ = line->substr(prefix.size());
  const bool has_metrics = std::any_of(args.begin(), args.end(), [](const std::string& arg) {
    return arg.rfind("--metrics_listen=", 0) == 0;
  });
  if (has_metrics) {
    const std::string metrics_prefix = "metrics on ";
    auto metrics_line = server->child_->ReadLine(30s);
    if (!metrics_line || metrics_line->rfind(metrics_prefix, 0) != 0) {
      ADD_FAILURE() << binary << " did not report its metrics address";
      return nullptr;
    }
    server->metrics_address_ = metrics_line->substr(metrics_prefix.size());
  }
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (server->Health() != "SERVING") {
    if (std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << binary << " never became SERVING";
      return nullptr;
    }
    std::this_thread::sleep_for(20ms);
  }
  return server;
}

std::shared_ptr<grpc::Channel> ServerProcess::NewChannel() const {
  return grpc::CreateChannel(address_, credentials_);
}

std::string ServerProcess::Health(const std::string& service) const {
  auto stub = grpc::health::v1::Health::NewStub(NewChannel());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 2s);
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) return "error " + std::to_string(status.error_code());
  return grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status());
}

int ServerProcess::Terminate() {
  child_->Signal(SIGTERM);
  auto status = child_->Wait(30s);
  if (!status) return -1;
  return WIFEXITED(*status) ? WEXITSTATUS(*status) : 128 + WTERMSIG(*status);
}

void ServerProcess::Kill() {
  child_->Signal(SIGKILL);
  child_->Wait(30s);
}

}  // namespace trustsphere::testing
