#pragma once

// A throwaway PostgreSQL 15 for tests: a cluster made by initdb in a fresh
// folder, served on a Unix socket in that folder only (no TCP port to
// collide with parallel tests), a superuser "trustsphere" trusted on that
// socket. Debian's binaries (postgresql-15, installed by the set-up) or
// $TRUSTSPHERE_PG_BINDIR. Run as root, the server runs as the "postgres"
// account, since PostgreSQL refuses root. Like every ChildProcess, it dies
// with the test process, however that ends.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tests/support/child_process.h"

namespace trustsphere::testing {

// A fresh folder under the temporary directory for a PostgreSQL cluster,
// owned by the account its server runs as: "postgres" when this process is
// root (PostgreSQL refuses root; `owner` is then that account), this
// process's own otherwise. Nullopt, and a test failure saying why, when it
// cannot be made.
struct PostgresFolder {
  std::string path;
  std::optional<ChildProcess::Account> owner;
};
std::optional<PostgresFolder> MakePostgresFolder(const std::string& name);

class PostgresServer {
 public:
  // The cluster made and the server accepting connections; nullptr (and a
  // test failure saying why) otherwise.
  static std::unique_ptr<PostgresServer> Start();
  ~PostgresServer();

  // The folder of the server's Unix socket.
  const std::string& socket_dir() const { return dir_; }
  // A libpq connection string to `database` as the superuser.
  std::string ConnInfo(const std::string& database = "postgres") const;

  // Stops the server: SIGKILL of the postmaster (its backends linger until
  // they notice) or a fast shutdown.
  void Stop(bool kill);
  // A fast shutdown, then the server again on the same cluster; false if it
  // does not accept connections within 30 s.
  bool Restart();
  // Runs one SQL command with psql as the superuser; false on failure.
  bool Psql(const std::string& sql, const std::string& database = "postgres") const;

 private:
  explicit PostgresServer(std::string dir) : dir_(std::move(dir)) {}
  bool Launch();

  std::string dir_;
  // Under root: the postgres account, which owns the cluster.
  std::optional<ChildProcess::Account> owner_;
  std::unique_ptr<ChildProcess> server_;
};

// The connection string of a database made for one caller, on a server
// this test process starts at its first call and stops at its exit: what a
// store's conformance suite opens for each test.
absl::StatusOr<std::string> FreshDatabase(const std::string& prefix);

}  // namespace trustsphere::testing
