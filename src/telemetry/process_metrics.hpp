#pragma once
// The standard process_* metrics (the names Prometheus client libraries use), read from /proc
// at scrape time.

#include <string>

namespace slipway::telemetry {

struct ProcessStats {
  double resident_memory_bytes = 0;
  double virtual_memory_bytes = 0;
  double cpu_seconds = 0;
  double open_fds = 0;
  double max_fds = 0;
  double start_time_seconds = 0;  // since the Unix epoch
};

// Reads the calling process's statistics from /proc/self; fields it cannot read stay 0.
ProcessStats read_process_stats();

// Appends process_* families (HELP, TYPE, sample) in Prometheus text format.
void append_process_metrics(std::string& out, const ProcessStats& stats);

}  // namespace slipway::telemetry
