#include "tests/support/commit_cutter.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string_view>

namespace trustsphere::testing {
namespace {

constexpr char kSocketName[] = "/.s.PGSQL.5432";
// A COMMIT as either protocol sends it: the statement's text ends with a
// NUL ("READ COMMITTED" in a BEGIN does not match).
constexpr char kCommit[] = {'C', 'O', 'M', 'M', 'I', 'T', '\0'};
constexpr int kPollMillis = 100;

bool AddressOf(const std::string& path, sockaddr_un& address) {
  std::memset(&address, 0, sizeof(address));
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof(address.sun_path)) return false;
  std::memcpy(address.sun_path, path.data(), path.size());
  return true;
}

// Whether `needle` is in `seen` and ends in its bytes past the first
// `old` (a match within those was seen at the previous read).
bool FoundInNew(const std::string& seen, std::string_view needle, size_t old) {
  const size_t from = old >= needle.size() ? old - needle.size() + 1 : 0;
  return seen.find(needle, from) != std::string::npos;
}

bool SendAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t sent = ::send(fd, data, size, MSG_NOSIGNAL);
    if (sent <= 0) return false;
    data += sent;
    size -= static_cast<size_t>(sent);
  }
  return true;
}

}  // namespace

std::unique_ptr<CommitCutter> CommitCutter::Start(const std::string& dir,
                                                  const std::string& server_dir) {
  sockaddr_un address;
  if (!AddressOf(dir + kSocketName, address)) {
    ADD_FAILURE() << "socket path too long: " << dir;
    return nullptr;
  }
  const int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener < 0 ||
      ::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(listener, 64) != 0) {
    ADD_FAILURE() << "cannot listen on " << dir << kSocketName << ": " << std::strerror(errno);
    if (listener >= 0) ::close(listener);
    return nullptr;
  }
  std::unique_ptr<CommitCutter> cutter(new CommitCutter(dir, server_dir + kSocketName, listener));
  cutter->acceptor_ = std::thread([raw = cutter.get()] { raw->AcceptLoop(); });
  return cutter;
}

CommitCutter::~CommitCutter() {
  stopping_ = true;
  acceptor_.join();
  ::close(listener_);
  std::vector<std::thread> relays;
  {
    absl::MutexLock lock(&mu_);
    relays.swap(relays_);
  }
  for (auto& relay : relays) relay.join();
}

std::string CommitCutter::ConnInfo(const std::string& database) const {
  return "host=" + dir_ + " port=5432 user=trustsphere dbname=" + database;
}

void CommitCutter::Arm(std::string marker, Cut how) {
  absl::MutexLock lock(&mu_);
  marker_ = std::move(marker);
  how_ = how;
}

void CommitCutter::AcceptLoop() {
  while (!stopping_) {
    pollfd ready{.fd = listener_, .events = POLLIN, .revents = 0};
    if (::poll(&ready, 1, kPollMillis) <= 0) continue;
    const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    sockaddr_un address;
    AddressOf(server_socket_, address);
    const int server = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (server < 0 ||
        ::connect(server, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
      ::close(client);
      if (server >= 0) ::close(server);
      continue;
    }
    absl::MutexLock lock(&mu_);
    relays_.emplace_back([this, client, server] { Relay(client, server); });
  }
}

bool CommitCutter::ShouldCut(const std::string& seen, size_t old, bool& marked, Cut& how) {
  absl::MutexLock lock(&mu_);
  if (marker_.empty()) return false;
  if (FoundInNew(seen, marker_, old)) marked = true;
  if (marked && how_ == Cut::kAtMarker) {
    how = how_;
    marker_.clear();
    return true;
  }
  if (!FoundInNew(seen, std::string_view(kCommit, sizeof(kCommit)), old)) return false;
  const bool cut = marked;
  marked = false;
  if (cut) {
    how = how_;
    marker_.clear();
  }
  return cut;
}

void CommitCutter::Relay(int client, int server) {
  // The client's previous bytes, so that a statement split between two
  // reads is still seen whole.
  std::string tail;
  bool marked = false;
  char buffer[16384];
  while (!stopping_) {
    pollfd ends[2] = {{.fd = client, .events = POLLIN, .revents = 0},
                      {.fd = server, .events = POLLIN, .revents = 0}};
    if (::poll(ends, 2, kPollMillis) <= 0) continue;
    if (ends[1].revents != 0) {
      const ssize_t got = ::recv(server, buffer, sizeof(buffer), 0);
      if (got <= 0 || !SendAll(client, buffer, static_cast<size_t>(got))) break;
    }
    if (ends[0].revents != 0) {
      const ssize_t got = ::recv(client, buffer, sizeof(buffer), 0);
      if (got <= 0) break;
      std::string seen = tail + std::string(buffer, static_cast<size_t>(got));
      Cut how;
      if (ShouldCut(seen, tail.size(), marked, how)) {
        if (how == Cut::kAfterDelivery) SendAll(server, buffer, static_cast<size_t>(got));
        ++cuts_;
        break;
      }
      if (!SendAll(server, buffer, static_cast<size_t>(got))) break;
      tail = seen.substr(seen.size() > 256 ? seen.size() - 256 : 0);
    }
  }
  ::shutdown(client, SHUT_RDWR);
  ::shutdown(server, SHUT_RDWR);
  ::close(client);
  ::close(server);
}

}  // namespace trustsphere::testing
