#include "storage/engine_log.h"

#include <fcntl.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace trustsphere::storage {
namespace {

class EngineLog : public rocksdb::Logger {
 public:
  EngineLog(std::string path, size_t max_bytes)
      : Logger(rocksdb::InfoLogLevel::INFO_LEVEL), path_(std::move(path)), max_bytes_(max_bytes) {
    absl::MutexLock lock(&mu_);
    Open();
  }
  ~EngineLog() override {
    absl::MutexLock lock(&mu_);
    if (fd_ >= 0) ::close(fd_);
  }

  using Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    char line[4096];
    size_t length = Timestamp(line, sizeof line);
    const int written = std::vsnprintf(line + length, sizeof line - length - 1, format, ap);
    if (written < 0) return;
    length = std::min(length + static_cast<size_t>(written), sizeof line - 2);
    if (line[length - 1] != '\n') line[length++] = '\n';

    absl::MutexLock lock(&mu_);
    if (size_ + length > max_bytes_) Roll();
    // A file that could not be opened is tried again now and then.
    if (fd_ < 0 && absl::Now() >= retry_open_at_) Open();
    if (fd_ < 0) return;
    // A short or failed write loses (part of) this line and nothing else.
    const ssize_t done = ::write(fd_, line, length);
    if (done > 0) size_ += static_cast<size_t>(done);
  }

  size_t GetLogFileSize() const override {
    absl::MutexLock lock(&mu_);
    return size_;
  }

 private:
  // "2026/12/04-01:02:03.456789 " as RocksDB's own log starts its lines.
  static size_t Timestamp(char* out, size_t capacity) {
    timeval now;
    gettimeofday(&now, nullptr);
    tm local;
    localtime_r(&now.tv_sec, &local);
    const int length =
        std::snprintf(out, capacity, "%04d/%02d/%02d-%02d:%02d:%02d.%06ld ", local.tm_year + 1900,
                      local.tm_mon + 1, local.tm_mday, local.tm_hour, local.tm_min, local.tm_sec,
                      static_cast<long>(now.tv_usec));
    return length > 0 ? static_cast<size_t>(length) : 0;
  }

  void Open() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd_ < 0) {
      // Said once per failing spell, on standard error, where the
      // service's own log goes.
      if (!open_failed_) {
        std::fprintf(stderr, "RocksDB's log %s cannot be opened (%s): its lines are dropped\n",
                     path_.c_str(), std::strerror(errno));
      }
      open_failed_ = true;
      retry_open_at_ = absl::Now() + absl::Seconds(10);
      size_ = 0;
      return;
    }
    open_failed_ = false;
    const off_t end = ::lseek(fd_, 0, SEEK_END);
    size_ = end > 0 ? static_cast<size_t>(end) : 0;
  }

  void Roll() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (fd_ >= 0) ::close(fd_);
    ::rename(path_.c_str(), (path_ + ".old").c_str());
    Open();
  }

  const std::string path_;
  const size_t max_bytes_;
  mutable absl::Mutex mu_;
  int fd_ ABSL_GUARDED_BY(mu_) = -1;
  size_t size_ ABSL_GUARDED_BY(mu_) = 0;
  bool open_failed_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time retry_open_at_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

std::shared_ptr<rocksdb::Logger> NewEngineLog(const std::string& path, size_t max_bytes) {
  return std::make_shared<EngineLog>(path, max_bytes);
}

}  // namespace trustsphere::storage
