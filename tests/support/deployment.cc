#include "tests/support/deployment.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace trustsphere::testing {

Deployment::Deployment(const TempDir& dir, std::vector<std::string> relationships_flags)
    : dir_(dir), relationships_flags_(std::move(relationships_flags)) {
  identity_ = ServerProcess::Start(
      IDENTITY_SERVER, {"--data_dir=" + dir_.Sub("identity"), "--password_hash_memory_kib=8192",
                        "--password_hash_passes=1"});
  if (identity_ == nullptr) return;
  identity_stub_ = identity_v1::IdentityService::NewStub(identity_->NewChannel());
  std::filesystem::create_directories(dir_.Sub("relationships"));
  std::ofstream(dir_.Sub("relationships/service_token")) << Token("relationships", "service");
  StartRelationships();
}

void Deployment::StartRelationships() {
  std::vector<std::string> flags = {"--data_dir=" + dir_.Sub("relationships"),
                                    "--identity_addr=" + identity_->address()};
  flags.insert(flags.end(), relationships_flags_.begin(), relationships_flags_.end());
  relationships_ = ServerProcess::Start(RELATIONSHIPS_SERVER, flags, relationships_listen_);
  if (relationships_ == nullptr) return;
  relationships_listen_ = relationships_->address();
  relationships_stub_ =
      relationships_v1::RelationshipService::NewStub(relationships_->NewChannel());
}

void Deployment::RestartRelationships(bool kill) {
  if (kill) {
    relationships_->Kill();
  } else {
    EXPECT_EQ(relationships_->Terminate(), 0);
  }
  StartRelationships();
}

void Deployment::StopIdentity() { identity_->Kill(); }

void Deployment::StopRelationships(bool kill) {
  if (kill) {
    relationships_->Kill();
  } else {
    EXPECT_EQ(relationships_->Terminate(), 0);
  }
}

bool Deployment::StartRecommendations() {
  std::filesystem::create_directories(dir_.Sub("recommendations"));
  std::ofstream(dir_.Sub("recommendations/service_token")) << Token("recommendations", "service");
  recommendations_ = ServerProcess::Start(
      RECOMMENDATIONS_SERVER,
      {"--data_dir=" + dir_.Sub("recommendations"), "--identity_addr=" + identity_->address(),
       "--relationships_addr=" + relationships_listen_});
  if (recommendations_ == nullptr) return false;
  recommendations_stub_ =
      recommendations_v1::RecommendationService::NewStub(recommendations_->NewChannel());
  return true;
}

void Deployment::StopRecommendations(bool kill) {
  if (kill) {
    recommendations_->Kill();
  } else {
    EXPECT_EQ(recommendations_->Terminate(), 0);
  }
}

std::string Deployment::Token(const std::string& subject, const std::string& role,
                              const std::string& ttl) const {
  return MintToken(TRUSTSPHERE_ADMIN, dir_.Sub("identity/signing_key.json"), subject, role, ttl);
}

}  // namespace trustsphere::testing
