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
    : dir_(dir) {
  Of(Server::kIdentity).flags = std::move(identity_flags);
  Of(Server::kRelationships).flags = std::move(relationships_flags);
  if (!Start(Server::kIdentity)) return;
  // Services call each other with tokens signed by identity's key.
  std::filesystem::create_directories(dir_.Sub("relationships"));
  std::ofstream(dir_.Sub("relationships/service_token")) << Token("relationships", "service");
  std::filesystem::create_directories(dir_.Sub("recommendations"));
  std::ofstream(dir_.Sub("recommendations/service_token")) << Token("recommendations", "service");
  Start(Server::kRelationships);
}

std::vector<std::string> Deployment::FlagsOf(Server server, const std::string& data_dir) {
  std::vector<std::string> flags = {"--data_dir=" + data_dir, kMetrics};
  switch (server) {
    case Server::kIdentity:
      flags.insert(flags.end(), {"--password_hash_memory_kib=8192", "--password_hash_passes=1"});
      break;
    case Server::kRelationships:
      // Tag uses reach identity soon, so tests waiting for quiet wait little.
      flags.insert(flags.end(),
                   {"--identity_addr=" + Of(Server::kIdentity).listen, "--tag_use_period=100ms"});
      break;
    case Server::kRecommendations:
      flags.insert(flags.end(), {"--identity_addr=" + Of(Server::kIdentity).listen,
                                 "--relationships_addr=" + Of(Server::kRelationships).listen});
      break;
  }
  const auto& extra = Of(server).flags;
  flags.insert(flags.end(), extra.begin(), extra.end());
  return flags;
}

void Deployment::AddFlags(Server server, const std::vector<std::string>& flags) {
  auto& extra = Of(server).flags;
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

const char* Deployment::NameOf(Server server) {
  switch (server) {
    case Server::kIdentity:
      return "identity";
    case Server::kRelationships:
      return "relationships";
    case Server::kRecommendations:
      return "recommendations";
  }
  return "identity";
}

bool Deployment::Start(Server server) {
  std::unique_ptr<ServerProcess>& process = Of(server).process;
  std::string& listen = Of(server).listen;
  process =
      ServerProcess::Start(BinaryOf(server), FlagsOf(server, dir_.Sub(NameOf(server))), listen);
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
    std::filesystem::copy_file(dir_.Sub(std::string(NameOf(server)) + "/service_token"),
                               data_dir + "/service_token",
                               std::filesystem::copy_options::overwrite_existing);
  }
  return ServerProcess::Start(BinaryOf(server), FlagsOf(server, data_dir));
}

void Deployment::Stop(Server server, bool kill) {
  std::unique_ptr<ServerProcess>& process = Of(server).process;
  if (process == nullptr) return;
  if (kill) {
    process->Kill();
  } else {
    EXPECT_EQ(process->Terminate(), 0);
  }
}

void Deployment::Signal(Server server, int signal) { Of(server).process->Signal(signal); }

std::string Deployment::Token(const std::string& subject, const std::string& role,
                              const std::string& ttl) const {
  return MintToken(TRUSTSPHERE_ADMIN, dir_.Sub("identity/signing_key.json"), subject, role, ttl);
}

}  // namespace trustsphere::testing
