#include "tests/support/deployment.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace trustsphere::testing {
namespace {

// Every server serves /metrics on a port of its own choosing.
constexpr char kMetrics[] = "--metrics_listen=127.0.0.1:0";

}  // namespace

Deployment::Deployment(const TempDir& dir, std::vector<std::string> relationships_flags)
    : dir_(dir), relationships_flags_(std::move(relationships_flags)) {
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

bool Deployment::Start(Server server) {
  switch (server) {
    case Server::kIdentity:
      identity_ =
          ServerProcess::Start(IDENTITY_SERVER,
                               {"--data_dir=" + dir_.Sub("identity"), kMetrics,
                                "--password_hash_memory_kib=8192", "--password_hash_passes=1"},
                               identity_listen_);
      if (identity_ == nullptr) return false;
      identity_listen_ = identity_->address();
      identity_stub_ = identity_v1::IdentityService::NewStub(identity_->NewChannel());
      return true;
    case Server::kRelationships: {
      // Tag uses reach identity soon, so tests waiting for quiet wait little.
      std::vector<std::string> flags = {"--data_dir=" + dir_.Sub("relationships"), kMetrics,
                                        "--identity_addr=" + identity_listen_,
                                        "--tag_use_period=100ms"};
      flags.insert(flags.end(), relationships_flags_.begin(), relationships_flags_.end());
      relationships_ = ServerProcess::Start(RELATIONSHIPS_SERVER, flags, relationships_listen_);
      if (relationships_ == nullptr) return false;
      relationships_listen_ = relationships_->address();
      relationships_stub_ =
          relationships_v1::RelationshipService::NewStub(relationships_->NewChannel());
      return true;
    }
    case Server::kRecommendations: {
      std::vector<std::string> flags = {"--data_dir=" + dir_.Sub("recommendations"), kMetrics,
                                        "--identity_addr=" + identity_listen_,
                                        "--relationships_addr=" + relationships_listen_};
      flags.insert(flags.end(), recommendations_flags_.begin(), recommendations_flags_.end());
      recommendations_ =
          ServerProcess::Start(RECOMMENDATIONS_SERVER, flags, recommendations_listen_);
      if (recommendations_ == nullptr) return false;
      recommendations_listen_ = recommendations_->address();
      recommendations_stub_ =
          recommendations_v1::RecommendationService::NewStub(recommendations_->NewChannel());
      return true;
    }
  }
  return false;
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
