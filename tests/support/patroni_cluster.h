#pragma once

// PostgreSQL 15 made highly available by Patroni, on loopback: one etcd
// member for Patroni's leader lock, and two Patroni nodes, a primary and a
// synchronous standby (synchronous_mode: a commit is acknowledged once the
// standby has it, and only that standby may be promoted). Debian's
// `patroni`, `etcd-server` and `postgresql-15`, installed by the set-up.
// Ports are chosen at run time; logs go to files in the cluster's folder.
// Run as root, Patroni runs as the "postgres" account.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/child_process.h"

namespace trustsphere::testing {

class PatroniCluster {
 public:
  // etcd, then node 0 (which bootstraps the cluster and leads), then node 1
  // as its synchronous standby, and a database `database` for the
  // services. Null (and a test failure saying why) if any step does not
  // happen within its time.
  static std::unique_ptr<PatroniCluster> Start(const std::string& database);
  ~PatroniCluster();

  // A libpq connection string naming both nodes, for the node that accepts
  // writes (target_session_attrs=read-write): what the services are given.
  std::string ConnInfo() const;
  // The node that is primary now (-1 if none answers as one).
  int Primary() const;
  // True once `node` is primary and the other node streams to it as its
  // synchronous standby.
  bool Replicating(int node) const;
  // Loses a node as a machine would be lost: SIGKILL of its Patroni, its
  // postmaster and every backend, at once.
  void KillNode(int node);
  // A single value from `sql` on `node` (its database `database`), or
  // nullopt when the node does not answer.
  std::optional<std::string> Query(int node, const std::string& sql,
                                   const std::string& database = "postgres") const;
  const std::string& dir() const { return dir_; }

 private:
  struct Node {
    int pg_port = 0;
    int api_port = 0;
    std::unique_ptr<ChildProcess> patroni;
  };
  explicit PatroniCluster(std::string dir) : dir_(std::move(dir)) {}
  bool StartEtcd();
  bool StartNode(int node);
  std::string NodeConnInfo(int node, const std::string& database) const;
  // The postmaster's pid from the node's postmaster.pid, or -1.
  int PostmasterPid(int node) const;

  std::string dir_;
  std::optional<ChildProcess::Account> owner_;
  int etcd_client_port_ = 0;
  int etcd_peer_port_ = 0;
  std::string database_;
  std::unique_ptr<ChildProcess> etcd_;
  Node nodes_[2];
};

}  // namespace trustsphere::testing
