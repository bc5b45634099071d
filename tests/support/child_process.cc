#include "tests/support/child_process.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>

namespace trustsphere::testing {

ChildProcess::ChildProcess(const std::vector<std::string>& argv, std::optional<Account> account) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // Credentials first: changing them clears the parent-death signal.
    if (account &&
        (setgroups(0, nullptr) != 0 || setgid(account->gid) != 0 || setuid(account->uid) != 0)) {
      _exit(126);
    }
    // Dies with the test, even one killed before its destructors ran, so no
    // server outlives it holding ports and CPU.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the test already ended
    dup2(fds[1], STDOUT_FILENO);
    execv(args[0], args.data());
    _exit(127);
  }
  close(fds[1]);
  stdout_fd_ = fds[0];
}

ChildProcess::~ChildProcess() {
  if (!exit_status_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (stdout_fd_ >= 0) close(stdout_fd_);
}

std::optional<std::string> ChildProcess::ReadLine(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (auto newline = buffer_.find('\n'); newline != std::string::npos) {
      std::string line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd poll_fd{.fd = stdout_fd_, .events = POLLIN, .revents = 0};
    if (poll(&poll_fd, 1, static_cast<int>(left.count())) <= 0) continue;
    char chunk[4096];
    ssize_t got = read(stdout_fd_, chunk, sizeof(chunk));
    if (got <= 0) return std::nullopt;
    buffer_.append(chunk, static_cast<size_t>(got));
  }
}

void ChildProcess::Signal(int signal) {
  if (exit_status_) return;
  kill(pid_, signal);
  if (signal != SIGSTOP) return;
  // Threads of the child stop only as each next runs: a call sent at once
  // could still be served. Return once the kernel reports it stopped.
  std::optional<int> status = WaitFor(WUNTRACED, std::chrono::seconds(10));
  if (!status || !WIFSTOPPED(*status)) {
    ADD_FAILURE() << "process " << pid_ << " did not stop";
  }
}

std::optional<int> ChildProcess::Wait(std::chrono::milliseconds timeout) {
  if (exit_status_) return exit_status_;
  return WaitFor(0, timeout);
}

std::optional<int> ChildProcess::WaitFor(int options, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    if (waitpid(pid_, &status, options | WNOHANG) == pid_) {
      // An ended child is reaped: its status is kept for Wait.
      if (WIFEXITED(status) || WIFSIGNALED(status)) exit_status_ = status;
      return status;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

Finished RunToEnd(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                  std::optional<ChildProcess::Account> account) {
  ChildProcess child(argv, account);
  Finished finished;
  // Drained as it comes, so that its output never fills the pipe.
  while (auto line = child.ReadLine(timeout)) finished.output += *line + "\n";
  std::optional<int> status = child.Wait(timeout);
  if (status && WIFEXITED(*status)) finished.exit_code = WEXITSTATUS(*status);
  return finished;
}

}  // namespace trustsphere::testing
