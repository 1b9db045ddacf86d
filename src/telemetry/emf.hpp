#pragma once
// CloudWatch Embedded Metric Format: JSON lines on stdout that the CloudWatch agent or the
// awslogs driver turns into metrics with no API call. The request metrics of the Prometheus
// registry are reported as per-interval deltas, so both views agree.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "telemetry/metrics.hpp"

namespace slipway::telemetry {

struct EmfMetric {
  std::string name;
  std::string unit;  // a CloudWatch unit: Count, Milliseconds, Bytes, ...
  double value = 0;
};

// Renders one EMF object (one line, ending in '\n') with a single dimension set made of every
// dimension given. Dimension values are strings, as EMF requires.
std::string render_emf_line(std::string_view metric_namespace, std::int64_t timestamp_ms,
                            const std::vector<std::pair<std::string, std::string>>& dimensions,
                            const std::vector<EmfMetric>& metrics);

// Turns the request counter {route,method,status} and duration histogram {route} into EMF
// lines of what changed since the previous call.
class EmfRequestReporter {
 public:
  EmfRequestReporter(std::string metric_namespace, std::string service,
                     const Family<Counter>& requests, const Family<Histogram>& durations);

  // Lines for the requests seen since the last call (none when there were none).
  std::string collect(std::int64_t timestamp_ms);

 private:
  std::string namespace_;
  std::string service_;
  const Family<Counter>& requests_;
  const Family<Histogram>& durations_;
  std::map<std::vector<std::string>, std::uint64_t> last_counts_;
  std::map<std::vector<std::string>, std::pair<std::uint64_t, double>> last_durations_;
};

}  // namespace slipway::telemetry
