#include "bench/process_stats.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace trustsphere::bench {

namespace {

// Field `number` (1-based, as in proc(5)) of /proc/<pid>/stat.
bool StatField(pid_t pid, int number, double* value) {
  std::ifstream file(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  // The command name (field 2) may hold spaces: fields are counted after ')'.
  const size_t close = stat.rfind(')');
  if (close == std::string::npos || close + 2 > stat.size()) return false;
  std::vector<std::string> fields = absl::StrSplit(stat.substr(close + 2), ' ');
  const size_t index = static_cast<size_t>(number - 3);
  return index < fields.size() && absl::SimpleAtod(fields[index], value);
}

double Ticks() { return static_cast<double>(sysconf(_SC_CLK_TCK)); }

}  // namespace

double SecondsSinceStart(pid_t pid) {
  double start_ticks = 0, uptime = 0;
  if (!StatField(pid, 22, &start_ticks)) return -1;
  std::ifstream file("/proc/uptime");
  if (!(file >> uptime)) return -1;
  return uptime - start_ticks / Ticks();
}

ProcessSample SampleProcess(pid_t pid) {
  ProcessSample sample;
  double utime = 0, stime = 0;
  if (!StatField(pid, 14, &utime) || !StatField(pid, 15, &stime)) return sample;
  sample.cpu_seconds = (utime + stime) / Ticks();
  const std::string dir = absl::StrCat("/proc/", pid);

  std::ifstream status(dir + "/status");
  for (std::string line; std::getline(status, line);) {
    auto kib = [&](absl::string_view name, double* mib) {
      absl::string_view rest = line;
      if (!absl::ConsumePrefix(&rest, name)) return;
      rest = absl::StripAsciiWhitespace(absl::StripSuffix(rest, "kB"));
      double value = 0;
      if (absl::SimpleAtod(rest, &value)) *mib = value / 1024;
    };
    kib("VmRSS:", &sample.rss_mib);
    kib("VmHWM:", &sample.peak_rss_mib);
    absl::string_view rest = line;
    if (absl::ConsumePrefix(&rest, "Cpus_allowed_list:")) {
      sample.cpus = std::string(absl::StripAsciiWhitespace(rest));
    }
  }
  sample.ok = true;
  return sample;
}

}  // namespace trustsphere::bench
