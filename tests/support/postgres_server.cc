#include "tests/support/postgres_server.h"

#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>

namespace trustsphere::testing {
namespace {

using namespace std::chrono_literals;

constexpr char kSuperuser[] = "trustsphere";

std::string BinDir() {
  const char* dir = std::getenv("TRUSTSPHERE_PG_BINDIR");
  return dir != nullptr ? dir : "/usr/lib/postgresql/15/bin";
}

bool Succeeds(const std::vector<std::string>& argv, std::chrono::seconds timeout,
              std::optional<ChildProcess::Account> account = std::nullopt) {
  return RunToEnd(argv, timeout, account).exit_code == 0;
}

}  // namespace

std::optional<PostgresFolder> MakePostgresFolder(const std::string& name) {
  PostgresFolder folder{(std::filesystem::temp_directory_path() / (name + ".XXXXXX")).string()};
  if (mkdtemp(folder.path.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp failed";
    return std::nullopt;
  }
  if (geteuid() == 0) {
    const passwd* owner = getpwnam("postgres");
    if (owner == nullptr || chown(folder.path.c_str(), owner->pw_uid, owner->pw_gid) != 0) {
      ADD_FAILURE() << "running as root needs the postgres account (postgresql-15 installed)";
      return std::nullopt;
    }
    folder.owner = ChildProcess::Account{.uid = owner->pw_uid, .gid = owner->pw_gid};
  }
  return folder;
}

std::unique_ptr<PostgresServer> PostgresServer::Start() {
  std::optional<PostgresFolder> folder = MakePostgresFolder("trustsphere-pg");
  if (!folder) return nullptr;
  const std::string& pattern = folder->path;
  std::unique_ptr<PostgresServer> server(new PostgresServer(pattern));
  server->owner_ = folder->owner;
  if (!Succeeds({BinDir() + "/initdb", "--pgdata=" + pattern + "/data",
                 std::string("--username=") + kSuperuser, "--auth=trust", "--encoding=UTF8",
                 "--locale=C", "--no-sync", "--no-instructions"},
                60s, server->owner_)) {
    ADD_FAILURE() << "initdb failed in " << pattern;
    return nullptr;
  }
  if (!server->Launch()) return nullptr;
  return server;
}

PostgresServer::~PostgresServer() {
  Stop(/*kill=*/false);
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string PostgresServer::ConnInfo(const std::string& database) const {
  return "host=" + dir_ + " port=5432 user=" + kSuperuser + " dbname=" + database;
}

bool PostgresServer::Launch() {
  server_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{BinDir() + "/postgres", "-D", dir_ + "/data", "-k", dir_, "-p",
                               "5432", "-c", "listen_addresses=", "-c", "max_connections=50", "-c",
                               "shared_buffers=32MB", "-c", "log_min_messages=fatal", "-c",
                               "log_min_error_statement=panic", "-c", "log_checkpoints=off"},
      owner_);
  const std::string conninfo = ConnInfo();
  for (int i = 0; i < 300; ++i) {
    if (PQping(conninfo.c_str()) == PQPING_OK) return true;
    if (server_->Wait(100ms)) break;  // it exited
  }
  ADD_FAILURE() << "PostgreSQL did not accept connections on " << dir_;
  return false;
}

void PostgresServer::Stop(bool kill) {
  if (server_ == nullptr) return;
  // SIGINT: PostgreSQL's fast shutdown (clients disconnected, a checkpoint).
  server_->Signal(kill ? SIGKILL : SIGINT);
  if (!server_->Wait(30s)) server_->Signal(SIGKILL);
  server_.reset();
}

bool PostgresServer::Restart() {
  Stop(/*kill=*/false);
  return Launch();
}

bool PostgresServer::Psql(const std::string& sql, const std::string& database) const {
  return Succeeds({"/usr/bin/psql", "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1",
                   ConnInfo(database), "--command=" + sql},
                  30s);
}

absl::StatusOr<std::string> FreshDatabase(const std::string& prefix) {
  static std::unique_ptr<PostgresServer> server = PostgresServer::Start();
  static std::atomic<int> databases = 0;
  if (server == nullptr) return absl::UnavailableError("PostgreSQL did not start");
  const std::string database = prefix + "_" + std::to_string(++databases);
  if (!server->Psql("CREATE DATABASE " + database)) {
    return absl::InternalError("CREATE DATABASE " + database + " failed");
  }
  return server->ConnInfo(database);
}

}  // namespace trustsphere::testing
