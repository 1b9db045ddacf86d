#include "telemetry/process_metrics.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "telemetry/metrics.hpp"

namespace slipway::telemetry {
namespace {

double boot_time_seconds() {
  std::ifstream stat("/proc/stat");
  std::string key;
  double value = 0;
  while (stat >> key) {
    if (key == "btime") {
      stat >> value;
      return value;
    }
    stat.ignore(1 << 16, '\n');
  }
  return 0;
}

double count_open_fds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  double count = 0;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  ::closedir(dir);
  return count - 1;  // the descriptor opendir itself holds
}

void append_gauge(std::string& out, const char* name, const char* help, const char* type,
                  double value) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
  out += name;
  out += ' ';
  append_sample_value(out, value);
  out += '\n';
}

}  // namespace

ProcessStats read_process_stats() {
  ProcessStats stats;
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));

  // /proc/self/stat: the command name (field 2) may contain spaces, so parse after the last ')'.
  std::ifstream stat_file("/proc/self/stat");
  std::string content((std::istreambuf_iterator<char>(stat_file)),
                      std::istreambuf_iterator<char>());
  if (const auto close = content.rfind(')'); close != std::string::npos) {
    std::istringstream fields(content.substr(close + 2));
    std::string field;
    // Fields from 3 (state) on; utime=14, stime=15, starttime=22, vsize=23, rss=24.
    for (int index = 3; fields >> field && index <= 24; ++index) {
      if (index == 14 || index == 15) stats.cpu_seconds += std::stod(field) / ticks;
      if (index == 22) stats.start_time_seconds = boot_time_seconds() + std::stod(field) / ticks;
      if (index == 23) stats.virtual_memory_bytes = std::stod(field);
      if (index == 24) stats.resident_memory_bytes = std::stod(field) * page;
    }
  }
  stats.open_fds = count_open_fds();
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) stats.max_fds = static_cast<double>(limit.rlim_cur);
  return stats;
}

void append_process_metrics(std::string& out, const ProcessStats& stats) {
  append_gauge(out, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
               "counter", stats.cpu_seconds);
  append_gauge(out, "process_resident_memory_bytes", "Resident memory size in bytes.", "gauge",
               stats.resident_memory_bytes);
  append_gauge(out, "process_virtual_memory_bytes", "Virtual memory size in bytes.", "gauge",
               stats.virtual_memory_bytes);
  append_gauge(out, "process_open_fds", "Number of open file descriptors.", "gauge",
               stats.open_fds);
  append_gauge(out, "process_max_fds", "Maximum number of open file descriptors.", "gauge",
               stats.max_fds);
  append_gauge(out, "process_start_time_seconds",
               "Start time of the process since unix epoch in seconds.", "gauge",
               stats.start_time_seconds);
}

}  // namespace slipway::telemetry
