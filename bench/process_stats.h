#pragma once

// CPU time and memory of a running process, read from /proc, so a benchmark
// reports what the servers spent alongside what the client saw.

#include <sys/types.h>

#include <string>

namespace trustsphere::bench {

struct ProcessSample {
  bool ok = false;
  // User + system CPU seconds since the process started.
  double cpu_seconds = 0;
  // Resident memory now and at its peak, MiB.
  double rss_mib = 0;
  double peak_rss_mib = 0;
  // CPUs the process may run on, e.g. "0-1".
  std::string cpus;
};

ProcessSample SampleProcess(pid_t pid);

// Seconds since the process started (exec), -1 when it is gone.
double SecondsSinceStart(pid_t pid);

}  // namespace trustsphere::bench
