#include "tests/support/patroni_cluster.h"

#include <dirent.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "tests/support/postgres_server.h"
#include "tests/support/wait_until.h"

namespace trustsphere::testing {
namespace {

using namespace std::chrono_literals;

constexpr char kSuperuser[] = "trustsphere";
constexpr char kScope[] = "trustsphere";

sockaddr_in Loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  return address;
}

// A loopback port free now: bound to port 0, read back, released. Another
// process could take it before it is used; on a test machine none does.
int FreePort() {
  int socket_fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = Loopback(0);
  socklen_t length = sizeof(address);
  int port = 0;
  if (bind(socket_fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      getsockname(socket_fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  close(socket_fd);
  return port;
}

// `command` with its output appended to `log`, through the shell: nothing
// reads its standard output, which would fill and block it.
std::vector<std::string> LoggedTo(const std::string& command, const std::string& log) {
  return {"/bin/sh", "-c", "exec " + command + " >>" + log + " 2>&1"};
}

// Processes whose parent is `parent`, from /proc.
std::vector<pid_t> ChildrenOf(pid_t parent) {
  std::vector<pid_t> children;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return children;
  while (dirent* entry = readdir(proc)) {
    int pid = 0;
    if (!absl::SimpleAtoi(entry->d_name, &pid)) continue;
    std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
    std::string line;
    std::getline(stat, line);
    // "pid (comm) state ppid ...": comm may hold spaces, so after its ')'.
    const size_t close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::vector<std::string> fields = absl::StrSplit(line.substr(close + 2), ' ');
    int ppid = 0;
    if (fields.size() > 1 && absl::SimpleAtoi(fields[1], &ppid) && ppid == parent) {
      children.push_back(pid);
    }
  }
  closedir(proc);
  return children;
}

// The last lines of a log, for a failure message: the folder holding it
// is gone once the test fails.
std::string Tail(const std::string& path, size_t lines = 15) {
  std::ifstream file(path);
  std::vector<std::string> kept;
  for (std::string line; std::getline(file, line);) {
    kept.push_back(line);
    if (kept.size() > lines) kept.erase(kept.begin());
  }
  return absl::StrCat(path, ":\n", absl::StrJoin(kept, "\n"));
}

std::string PatroniConfig(const std::string& dir, int node, int pg_port, int api_port,
                          int etcd_port) {
  const std::string node_dir = absl::StrCat(dir, "/node", node);
  // ttl: how long a lost primary keeps the leader lock, most of the
  // failover's pause; loop_wait + 2 * retry_timeout must fit in it.
  return absl::StrCat(R"(scope: )", kScope, R"(
name: node)",
                      node, R"(
log:
  dir: )",
                      node_dir, R"(/log
  level: INFO
restapi:
  listen: 127.0.0.1:)",
                      api_port, R"(
  connect_address: 127.0.0.1:)",
                      api_port, R"(
etcd3:
  hosts: 127.0.0.1:)",
                      etcd_port, R"(
bootstrap:
  dcs:
    ttl: 20
    loop_wait: 2
    retry_timeout: 5
    synchronous_mode: true
    postgresql:
      use_pg_rewind: false
      parameters:
        max_connections: 100
        shared_buffers: 32MB
        max_wal_senders: 5
        max_replication_slots: 5
        wal_keep_size: 128MB
  initdb:
    - encoding: UTF8
    - locale: C
postgresql:
  listen: 127.0.0.1:)",
                      pg_port, R"(
  connect_address: 127.0.0.1:)",
                      pg_port, R"(
  data_dir: )",
                      node_dir, R"(/data
  bin_dir: /usr/lib/postgresql/15/bin
  # The standby's copy starts at once, not after a spread checkpoint.
  basebackup:
    - checkpoint: fast
  pgpass: )",
                      node_dir, R"(/pgpass
  authentication:
    superuser:
      username: )",
                      kSuperuser, R"(
      password: trustsphere
    replication:
      username: replicator
      password: replicator
  parameters:
    unix_socket_directories: )",
                      node_dir, R"(
  pg_hba:
    - local all all trust
    - host all all 127.0.0.1/32 trust
    - host replication replicator 127.0.0.1/32 trust
)");
}

}  // namespace

std::unique_ptr<PatroniCluster> PatroniCluster::Start(const std::string& database) {
  std::optional<PostgresFolder> folder = MakePostgresFolder("trustsphere-patroni");
  if (!folder) return nullptr;
  const std::string& pattern = folder->path;
  std::unique_ptr<PatroniCluster> cluster(new PatroniCluster(pattern));
  cluster->database_ = database;
  cluster->owner_ = folder->owner;
  if (!cluster->StartEtcd() || !cluster->StartNode(0)) return nullptr;
  if (!WaitUntil([&] { return cluster->Primary() == 0; }, 90s, 200ms)) {
    ADD_FAILURE() << "node 0 did not become primary; " << Tail(pattern + "/node0/log/patroni.log");
    return nullptr;
  }
  if (!cluster->Query(0, "CREATE DATABASE " + database)) {
    ADD_FAILURE() << "CREATE DATABASE " << database << " failed";
    return nullptr;
  }
  if (!cluster->StartNode(1) || !WaitUntil([&] { return cluster->Replicating(0); }, 120s, 200ms)) {
    ADD_FAILURE() << "node 1 did not become the synchronous standby; "
                  << Tail(pattern + "/node1/log/patroni.log");
    return nullptr;
  }
  return cluster;
}

bool PatroniCluster::StartEtcd() {
  etcd_client_port_ = FreePort();
  etcd_peer_port_ = FreePort();
  const std::string client = absl::StrCat("http://127.0.0.1:", etcd_client_port_);
  const std::string peer = absl::StrCat("http://127.0.0.1:", etcd_peer_port_);
  etcd_ = std::make_unique<ChildProcess>(
      LoggedTo(absl::StrCat("/usr/bin/etcd --name=etcd0 --data-dir=", dir_, "/etcd",
                            " --listen-client-urls=", client, " --advertise-client-urls=", client,
                            " --listen-peer-urls=", peer, " --initial-advertise-peer-urls=", peer,
                            " --initial-cluster=etcd0=", peer),
               dir_ + "/etcd.log"),
      owner_);
  // Serving once its client port accepts connections.
  if (!WaitUntil(
          [&] {
            int socket_fd = socket(AF_INET, SOCK_STREAM, 0);
            const sockaddr_in address = Loopback(etcd_client_port_);
            const bool open = connect(socket_fd, reinterpret_cast<const sockaddr*>(&address),
                                      sizeof(address)) == 0;
            close(socket_fd);
            return open;
          },
          30s, 200ms)) {
    ADD_FAILURE() << "etcd did not listen; " << Tail(dir_ + "/etcd.log");
    return false;
  }
  return true;
}

bool PatroniCluster::StartNode(int node) {
  Node& n = nodes_[node];
  n.pg_port = FreePort();
  n.api_port = FreePort();
  const std::string node_dir = absl::StrCat(dir_, "/node", node);
  std::filesystem::create_directories(node_dir + "/log");
  const std::string config = node_dir + "/patroni.yml";
  std::ofstream(config) << PatroniConfig(dir_, node, n.pg_port, n.api_port, etcd_client_port_);
  if (owner_) {
    for (const std::string& path : {node_dir, node_dir + "/log", config}) {
      if (chown(path.c_str(), owner_->uid, owner_->gid) != 0) {
        ADD_FAILURE() << "chown " << path << " failed";
        return false;
      }
    }
  }
  // Debian's interpreter, which has Patroni's modules (another python3 on
  // the PATH may not).
  n.patroni = std::make_unique<ChildProcess>(
      LoggedTo("/usr/bin/python3 /usr/bin/patroni " + config, node_dir + "/log/output"), owner_);
  return true;
}

PatroniCluster::~PatroniCluster() {
  // Patroni stops its PostgreSQL on SIGTERM.
  for (Node& node : nodes_) {
    if (node.patroni != nullptr) node.patroni->Signal(SIGTERM);
  }
  for (int i = 0; i < 2; ++i) {
    if (nodes_[i].patroni != nullptr && !nodes_[i].patroni->Wait(30s)) KillNode(i);
    if (const int postmaster = PostmasterPid(i); postmaster > 0) kill(postmaster, SIGKILL);
  }
  if (etcd_ != nullptr) {
    etcd_->Signal(SIGTERM);
    etcd_->Wait(10s);
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string PatroniCluster::NodeConnInfo(int node, const std::string& database) const {
  return absl::StrCat("host=127.0.0.1 port=", nodes_[node].pg_port, " user=", kSuperuser,
                      " dbname=", database, " connect_timeout=2");
}

std::string PatroniCluster::ConnInfo() const {
  return absl::StrCat("host=127.0.0.1,127.0.0.1 port=", nodes_[0].pg_port, ",", nodes_[1].pg_port,
                      " user=", kSuperuser, " dbname=", database_,
                      " target_session_attrs=read-write");
}

std::optional<std::string> PatroniCluster::Query(int node, const std::string& sql,
                                                 const std::string& database) const {
  if (nodes_[node].pg_port == 0) return std::nullopt;
  PGconn* conn = PQconnectdb(NodeConnInfo(node, database).c_str());
  std::optional<std::string> value;
  if (PQstatus(conn) == CONNECTION_OK) {
    PGresult* result = PQexec(conn, sql.c_str());
    if (PQresultStatus(result) == PGRES_COMMAND_OK) value = "";
    if (PQresultStatus(result) == PGRES_TUPLES_OK) {
      value = PQntuples(result) > 0 ? PQgetvalue(result, 0, 0) : "";
    }
    PQclear(result);
  }
  PQfinish(conn);
  return value;
}

int PatroniCluster::Primary() const {
  for (int node = 0; node < 2; ++node) {
    if (Query(node, "SELECT pg_is_in_recovery()") == "f") return node;
  }
  return -1;
}

bool PatroniCluster::Replicating(int node) const {
  return Primary() == node &&
         Query(node, "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'") == "1";
}

int PatroniCluster::PostmasterPid(int node) const {
  const std::string data_dir = absl::StrCat(dir_, "/node", node, "/data");
  std::ifstream pid_file(data_dir + "/postmaster.pid");
  int pid = -1;
  pid_file >> pid;
  if (!pid_file || pid <= 0) return -1;
  // The file outlives a killed server, and its number may be another
  // process's by now (another test's PostgreSQL even): only a process
  // started on this data folder is its postmaster.
  std::ifstream cmdline(absl::StrCat("/proc/", pid, "/cmdline"));
  const std::string arguments((std::istreambuf_iterator<char>(cmdline)),
                              std::istreambuf_iterator<char>());
  return arguments.find(data_dir) != std::string::npos ? pid : -1;
}

void PatroniCluster::KillNode(int node) {
  // Frozen first, so that none of them acts on another's death, nor forks a
  // backend that would be missed.
  std::vector<pid_t> doomed;
  if (nodes_[node].patroni != nullptr) doomed.push_back(nodes_[node].patroni->pid());
  const int postmaster = PostmasterPid(node);
  if (postmaster > 0) doomed.push_back(postmaster);
  for (pid_t pid : doomed) kill(pid, SIGSTOP);
  if (postmaster > 0) {
    for (pid_t child : ChildrenOf(postmaster)) {
      kill(child, SIGSTOP);
      doomed.push_back(child);
    }
  }
  for (pid_t pid : doomed) kill(pid, SIGKILL);
  if (nodes_[node].patroni != nullptr) nodes_[node].patroni->Wait(10s);
}

}  // namespace trustsphere::testing
