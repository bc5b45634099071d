#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace trustsphere::testing {

// A child process whose standard output is read line by line; its standard
// error goes to the test's. Killed with SIGKILL on destruction if still
// running, and when the thread that started it ends (so start children from
// the test's own thread).
class ChildProcess {
 public:
  // An account to run the child as (from root): its uid and gid.
  struct Account {
    uid_t uid;
    gid_t gid;
  };
  // Starts argv[0] with the arguments argv[1..], as `account` when given.
  explicit ChildProcess(const std::vector<std::string>& argv,
                        std::optional<Account> account = std::nullopt);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // The next line of standard output, or nullopt at end of output or when
  // the timeout passes first.
  std::optional<std::string> ReadLine(std::chrono::milliseconds timeout);
  // Sends a signal (SIGTERM, SIGKILL, ...); for SIGSTOP, returns once the
  // process is stopped (a test failure if it is not within 10 s).
  void Signal(int signal);
  // Waits for the process to end; returns its wait status, or nullopt when
  // the timeout passes first.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  pid_t pid() const { return pid_; }

 private:
  // waitpid with `options` until it reports a change, or the timeout.
  std::optional<int> WaitFor(int options, std::chrono::milliseconds timeout);

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffer_;
  // Once the process has ended and been reaped.
  std::optional<int> exit_status_;
};

// A command run to its end: its exit code (-1 when it did not exit by
// itself within the timeout, or died of a signal) and its standard output.
struct Finished {
  int exit_code = -1;
  std::string output;
};
Finished RunToEnd(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                  std::optional<ChildProcess::Account> account = std::nullopt);

}  // namespace trustsphere::testing
