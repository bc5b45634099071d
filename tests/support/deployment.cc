#include "tests/support/deployment.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace trustsphere::testing {
namespace {

// Every server serves /metrics on a port of its own choosing.
constexpr char kMetrics[] = "--metrics_listen=127.0.0.1:0";

}  // namespace

Deployment::Deployment(const TempDir& dir, std::vector<std::string> relationships_flags,
                       std::vector<std::string> identity_flags)
    : dir_(dir),
      identity_flags_(std::move(identity_flags)),
      relationships_flags_(std::move(relationships_flags)) {
  if (!Start(Server::kIdentity)) return;
  // Services call each other with tokens signed by identity's key.
  std::filesystem::create_directories(dir_.Sub("relationships"));
  std::ofstream(dir_.Sub("relationships/service_token")) << Token("relationships", "service");
  std::filesystem::create_directories(dir_.Sub("recommendations"));
  std::ofstream(dir_.Sub("recommendations/service_token")) << Token("recommendations", "service");
  Start(Server::kRelationships);
}

std::unique_ptr<ServerProcess>& Deployment::Process(Server server) {
  switch (server) {
    case Server::kIdentity:
      return identity_;
    case Server::kRelationships:
      return relationships_;
    case Server::kRecommendations:
      return recommendations_;
  }
  return identity_;
}

std::vector<std::string> Deployment::FlagsOf(Server server, const std::string& data_dir) {
  std::vector<std::string> flags = {"--data_dir=" + data_dir, kMetrics};
  switch (server) {
    case Server::kIdentity:
      flags.insert(flags.end(), {"--password_hash_memory_kib=8192", "--password_hash_passes=1"});
      break;
    case Server::kRelationships:
      // Tag uses reach identity soon, so tests waiting for quiet wait little.
      flags.insert(flags.end(), {"--identity_addr=" + identity_listen_, "--tag_use_period=100ms"});
      break;
    case Server::kRecommendations:
      flags.insert(flags.end(), {"--identity_addr=" + identity_listen_,
                                 "--relationships_addr=" + relationships_listen_});
      break;
  }
  const auto& extra = ExtraFlagsOf(server);
  flags.insert(flags.end(), extra.begin(), extra.end());
  return flags;
}

std::vector<std::string>& Deployment::ExtraFlagsOf(Server server) {
  switch (server) {
    case Server::kIdentity:
      return identity_flags_;
    case Server::kRelationships:
      return relationships_flags_;
    case Server::kRecommendations:
      return recommendations_flags_;
  }
  return identity_flags_;
}

void Deployment::AddFlags(Server server, const std::vector<std::string>& flags) {
  auto& extra = ExtraFlagsOf(server);
  extra.insert(extra.end(), flags.begin(), flags.end());
}

const char* Deployment::BinaryOf(Server server) {
  switch (server) {
    case Server::kIdentity:
      return IDENTITY_SERVER;
    case Server::kRelationships:
      return RELATIONSHIPS_SERVER;
    case Server::kRecommendations:
      return RECOMMENDATIONS_SERVER;
  }
  return IDENTITY_SERVER;
}

std::string& Deployment::ListenOf(Server server) {
  switch (server) {
    case Server::kIdentity:
      return identity_listen_;
    case Server::kRelationships:
      return relationships_listen_;
    case Server::kRecommendations:
      return recommendations_listen_;
  }
  return identity_listen_;
}

bool Deployment::Start(Server server) {
  std::unique_ptr<ServerProcess>& process = Process(server);
  std::string& listen = ListenOf(server);
  const std::string name = server == Server::kIdentity        ? "identity"
                           : server == Server::kRelationships ? "relationships"
                                                              : "recommendations";
  process = ServerProcess::Start(BinaryOf(server), FlagsOf(server, dir_.Sub(name)), listen);
  if (process == nullptr) return false;
  listen = process->address();
  switch (server) {
    case Server::kIdentity:
      identity_stub_ = identity_v1::IdentityService::NewStub(process->NewChannel());
      break;
    case Server::kRelationships:
      relationships_stub_ = relationships_v1::RelationshipService::NewStub(process->NewChannel());
      break;
    case Server::kRecommendations:
      recommendations_stub_ =
          recommendations_v1::RecommendationService::NewStub(process->NewChannel());
      break;
  }
  return true;
}

std::unique_ptr<ServerProcess> Deployment::StartReplica(Server server, const std::string& name) {
  const std::string data_dir = dir_.Sub(name);
  std::filesystem::create_directories(data_dir);
  if (server != Server::kIdentity) {
    std::filesystem::copy_file(
        dir_.Sub(server == Server::kRelationships ? "relationships/service_token"
                                                  : "recommendations/service_token"),
        data_dir + "/service_token", std::filesystem::copy_options::overwrite_existing);
  }
  return ServerProcess::Start(BinaryOf(server), FlagsOf(server, data_dir));
}

void Deployment::Stop(Server server, bool kill) {
  std::unique_ptr<ServerProcess>& process = Process(server);
  if (process == nullptr) return;
  if (kill) {
    process->Kill();
  } else {
    EXPECT_EQ(process->Terminate(), 0);
  }
}

void Deployment::Signal(Server server, int signal) { Process(server)->Signal(signal); }

std::string Deployment::Token(const std::string& subject, const std::string& role,
                              const std::string& ttl) const {
  return MintToken(TRUSTSPHERE_ADMIN, dir_.Sub("identity/signing_key.json"), subject, role, ttl);
}

}  // namespace trustsphere::testing
