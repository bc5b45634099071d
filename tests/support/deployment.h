#pragma once

// The real servers wired together on loopback, each with its database in the
// test's temporary folder: identity, and relationships calling it with a
// service token minted by trustsphere_admin.

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/identity_client.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "trustsphere/recommendations/v1/recommendations.grpc.pb.h"
#include "trustsphere/relationships/v1/relationships.grpc.pb.h"

namespace trustsphere::testing {

namespace relationships_v1 = ::trustsphere::relationships::v1;
namespace recommendations_v1 = ::trustsphere::recommendations::v1;

// The three servers. Each keeps its port across restarts, so that the
// servers calling it find it again.
enum class Server { kIdentity, kRelationships, kRecommendations };

class Deployment {
 public:
  // Starts identity and relationships; extra flags go to each.
  explicit Deployment(const TempDir& dir, std::vector<std::string> relationships_flags = {},
                      std::vector<std::string> identity_flags = {});

  bool ok() const {
    return Of(Server::kIdentity).process != nullptr &&
           Of(Server::kRelationships).process != nullptr;
  }
  // Starts recommendations too, wired to both, with `flags` (kept for its
  // restarts); false if it did not start.
  bool StartRecommendations(std::vector<std::string> flags = {}) {
    Of(Server::kRecommendations).flags = std::move(flags);
    return Start(Server::kRecommendations);
  }

  // Starts a stopped server again on its data and port; false if it did not
  // become SERVING.
  bool Start(Server server);
  // Another process of `server` with the same flags, its own data folder
  // `name` and a port of its own, wired to the same servers: a replica,
  // for a shared database. Null (and a test failure) if it did not start.
  std::unique_ptr<ServerProcess> StartReplica(Server server, const std::string& name);
  // Flags `server` gets from its next start on, besides its own.
  void AddFlags(Server server, const std::vector<std::string>& flags);
  // Stops a server: SIGKILL when kill, else SIGTERM (and a clean exit is
  // expected).
  void Stop(Server server, bool kill);
  void Restart(Server server, bool kill) {
    Stop(server, kill);
    Start(server);
  }
  // Sends a signal to a running server (SIGSTOP freezes it, SIGCONT thaws).
  void Signal(Server server, int signal);

  ServerProcess& identity_server() { return *Of(Server::kIdentity).process; }
  ServerProcess& relationships_server() { return *Of(Server::kRelationships).process; }
  ServerProcess& recommendations_server() { return *Of(Server::kRecommendations).process; }
  // Stubs on channels opened at the last start of their server.
  identity_v1::IdentityService::Stub& identity() { return *identity_stub_; }
  relationships_v1::RelationshipService::Stub& relationships() { return *relationships_stub_; }
  recommendations_v1::RecommendationService::Stub& recommendations() {
    return *recommendations_stub_;
  }

  // Shorthands of the outage tests.
  void StopIdentity() { Stop(Server::kIdentity, /*kill=*/true); }
  void StopRelationships(bool kill) { Stop(Server::kRelationships, kill); }
  void StopRecommendations(bool kill) { Stop(Server::kRecommendations, kill); }
  void RestartRelationships(bool kill) { Restart(Server::kRelationships, kill); }

  Account SignUp(const std::string& name) {
    return testing::SignUp(*identity_stub_, name, name + "@example.fr");
  }
  // A token signed with identity's key, for an operator or a service.
  std::string Token(const std::string& subject, const std::string& role,
                    const std::string& ttl = "1h") const;
  // The RocksDB folder of a server ("identity", ...).
  std::string DatabaseDir(const std::string& server) const { return dir_.Sub(server + "/db"); }

 private:
  // What the deployment keeps of each server, by Server.
  struct Member {
    std::unique_ptr<ServerProcess> process;
    // "127.0.0.1:0" until the first start, then the port it got.
    std::string listen = "127.0.0.1:0";
    // Its flags besides the deployment's own.
    std::vector<std::string> flags;
  };
  Member& Of(Server server) { return members_[static_cast<size_t>(server)]; }
  const Member& Of(Server server) const { return members_[static_cast<size_t>(server)]; }
  static const char* BinaryOf(Server server);
  static const char* NameOf(Server server);
  std::vector<std::string> FlagsOf(Server server, const std::string& data_dir);

  const TempDir& dir_;
  std::array<Member, 3> members_;
  std::unique_ptr<identity_v1::IdentityService::Stub> identity_stub_;
  std::unique_ptr<relationships_v1::RelationshipService::Stub> relationships_stub_;
  std::unique_ptr<recommendations_v1::RecommendationService::Stub> recommendations_stub_;
};

}  // namespace trustsphere::testing
