#pragma once

// A relay in front of a test PostgreSQL that can lose one commit on its
// way: it listens on a Unix socket of its own, passes every connection's
// bytes through to the server, and, once armed, cuts the connection that
// sends the COMMIT of a transaction that sent a marker (a table's INSERT).
// Either the COMMIT reaches the server and only its answer is lost (the
// transaction committed), or it never arrives (the server rolls back when
// the connection drops). The client sees the same thing both times: a
// connection lost during COMMIT, an outcome it cannot know.

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace trustsphere::testing {

class CommitCutter {
 public:
  // The COMMIT delivered, or not; or the connection cut at the marker
  // itself, the transaction lost midway (an outcome the client knows).
  enum class Cut { kAfterDelivery, kBeforeDelivery, kAtMarker };

  // Listens in `dir` as a PostgreSQL socket for port 5432 would, and relays
  // to the server listening in `server_dir`; nullptr (and a test failure)
  // if the socket cannot be made.
  static std::unique_ptr<CommitCutter> Start(const std::string& dir, const std::string& server_dir);
  ~CommitCutter();

  // A libpq connection string to `database` through the relay.
  std::string ConnInfo(const std::string& database = "postgres") const;
  // The next COMMIT of a transaction that sent `marker` is cut as `how`
  // (or the marker's statement, for kAtMarker); only one.
  void Arm(std::string marker, Cut how);
  // Commits cut so far.
  int cuts() const { return cuts_.load(); }

 private:
  CommitCutter(std::string dir, std::string server_socket, int listener)
      : dir_(std::move(dir)), server_socket_(std::move(server_socket)), listener_(listener) {}
  void AcceptLoop();
  void Relay(int client, int server);
  // Whether the bytes a client sends now, the end of `seen` past its first
  // `old`, are the commit to cut, and how; `marked` says whether this
  // connection's transaction has sent the marker.
  bool ShouldCut(const std::string& seen, size_t old, bool& marked, Cut& how);

  const std::string dir_;
  const std::string server_socket_;
  const int listener_;
  std::atomic<bool> stopping_ = false;
  std::atomic<int> cuts_ = 0;
  absl::Mutex mu_;
  std::string marker_ ABSL_GUARDED_BY(mu_);
  Cut how_ ABSL_GUARDED_BY(mu_) = Cut::kAfterDelivery;
  std::vector<std::thread> relays_ ABSL_GUARDED_BY(mu_);
  std::thread acceptor_;
};

}  // namespace trustsphere::testing
