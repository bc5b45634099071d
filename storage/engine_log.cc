#include "storage/engine_log.h"

#include <fcntl.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <ctime>

#include "absl/synchronization/mutex.h"

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
    const off_t end = fd_ >= 0 ? ::lseek(fd_, 0, SEEK_END) : 0;
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
};

}  // namespace

std::shared_ptr<rocksdb::Logger> NewEngineLog(const std::string& path, size_t max_bytes) {
  return std::make_shared<EngineLog>(path, max_bytes);
}

}  // namespace trustsphere::storage
