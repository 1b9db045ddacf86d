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

// Renders one EMF object (one line, ending in '\n'). Each of `dimension_sets` (names from
// `dimensions`) becomes one CloudWatch metric per metric given; none means a single set of
// every dimension. Dimension values are strings, as EMF requires.
std::string render_emf_line(std::string_view metric_namespace, std::int64_t timestamp_ms,
                            const std::vector<std::pair<std::string, std::string>>& dimensions,
                            const std::vector<EmfMetric>& metrics,
                            const std::vector<std::vector<std::string>>& dimension_sets = {});

// The status class of an HTTP status code: "2xx", "4xx", "5xx"...; "other" when not 100-599.
std::string status_class(std::string_view status);

// Turns the request counter {route,method,status} and duration histogram {route} into EMF
// lines of what changed since the previous call. Requests are published under three dimension
// sets: {Service} (the total), {Service, StatusClass} (the 5xx ratio the SLO alarms divide by
// the total) and {Service, Route, Method, StatusCode} (the dashboard's breakdown); latency under
// {Service} and {Service, Route}.
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
