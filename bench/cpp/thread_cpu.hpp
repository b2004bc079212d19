// CPU seconds of this process's threads, grouped by thread name, read from
// /proc/self/task/*/{comm,schedstat} (Linux; nanoseconds on a CPU), or from
// */stat's utime + stime where schedstat is missing (clock ticks: 10 ms, too
// coarse for a commit thread that works 10-20 ms in a short run). The engine names its commit thread
// "si-commit" and its workers "si-worker"; every other thread (the host's)
// keeps the process name. Read it while the threads still run (before close):
// a finished thread's time leaves its task entry.
#pragma once

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <unistd.h>

namespace bench {

inline std::map<std::string, double> thread_cpu_seconds() {
  std::map<std::string, double> seconds;
  const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
  std::error_code ignored;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ignored)) {
    std::ifstream comm_file(task.path() / "comm");
    std::string comm;
    std::getline(comm_file, comm);
    if (comm != "si-commit" && comm != "si-worker") comm = "host";
    std::ifstream schedstat(task.path() / "schedstat");
    unsigned long long on_cpu_ns = 0;
    if (schedstat >> on_cpu_ns) {
      seconds[comm] += static_cast<double>(on_cpu_ns) / 1e9;
      continue;
    }
    std::ifstream stat_file(task.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
    // Fields after the ")" closing the name: state is field 3, utime 14, stime 15.
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
      if (i == 14) utime = std::stoull(field);
      if (i == 15) stime = std::stoull(field);
    }
    seconds[comm] += static_cast<double>(utime + stime) / tick;
  }
  return seconds;
}

}  // namespace bench
