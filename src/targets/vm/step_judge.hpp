#pragma once
// Judging a LINEAR / CANARY / BLUE_GREEN step on the vm target from HAProxy's own per-server
// counters: how to weight the servers so the new release takes a given share of requests, and
// whether the new release breached during a step — its 5xx ratio, and its response time against
// the previous release's (a release that is only slower is caught too), both as a mean and at the
// 99th percentile. Pure: the rollout samples `show stat` and HAProxy's per-request response log at
// most a second apart and feeds these.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace slipway::targets::vm {

// HAProxy server weights (0-256 each; HAProxy 2.6) for `new_servers` servers of the new release
// and `old_servers` of the previous one, so the new release takes `share_tenths` / 1000 of the
// requests as closely as whole weights allow.
struct TrafficWeights {
  int new_weight = 0;
  int old_weight = 0;
  int effective_share_tenths = 0;  // the share those weights give, rounded to a tenth
  bool operator==(const TrafficWeights&) const = default;
};
TrafficWeights traffic_weights(int share_tenths, int new_servers, int old_servers);

// One release's servers summed at one moment.
struct ReleaseCounters {
  std::int64_t responses = 0;
  std::int64_t responses_5xx = 0;
  // HAProxy's rtime: mean response time (ms) over each server's last 1024 responses, averaged
  // over the release's servers weighted by their responses.
  double mean_response_ms = 0;
};

struct StepSample {
  ReleaseCounters fresh;     // the new release
  ReleaseCounters previous;  // the release it replaces
};

struct StepLimits {
  double max_5xx_ratio = 0.01;  // vm.bake_max_5xx_ratio
  std::int64_t min_5xx = 3;     // fewer 5xx than this is never a breach (noise)
  double max_slowdown = 2.0;    // new mean response time over the previous release's
  double latency_floor_ms = 5;  // below this, slower is not slow (sub-millisecond noise)
  std::int64_t min_responses_for_latency = 20;  // responses of the new release in the step
  // The tail judge (per-request response times): the new release's p99 over the previous one's.
  double max_p99_ratio = 2.0;  // vm.latency_judge.p99_max_ratio
  // vm.latency_judge.floor: a smaller p99 counts as this. A fast service's p99 on a shared
  // machine is scheduler noise (measured: 9 and 19 ms for two equal sub-ms releases).
  double p99_floor_ms = 20;
  std::int64_t min_p99_samples = 100;  // vm.latency_judge.min_samples, per release
};

// Why the step breached between `start` and `now`, or nullopt: the new release's 5xx since
// `start` are at least min_5xx and above max_5xx_ratio of its responses; or, with at least
// min_responses_for_latency responses since `start`, its mean response time exceeds
// max_slowdown x the previous release's (and latency_floor_ms).
std::optional<std::string> step_breach(const StepSample& start, const StepSample& now,
                                       const StepLimits& limits);

// Response times in whole milliseconds (as HAProxy logs %Tr), counted per value: exact
// percentiles in memory bounded by the distinct values, however long a step bakes.
class LatencyHistogram {
 public:
  void add(std::int64_t ms) {
    ++counts_[ms];
    ++count_;
  }
  std::int64_t count() const { return count_; }
  // The nearest-rank percentile, 0 < q <= 1: the smallest time with at least ceil(q x count)
  // responses at or below it; 0 when empty.
  std::int64_t percentile(double q) const;

 private:
  std::map<std::int64_t, std::int64_t> counts_;
  std::int64_t count_ = 0;
};

// One release's per-request figures over a step.
struct LatencyFigures {
  std::int64_t samples = 0;
  std::int64_t p50_ms = 0;
  std::int64_t p99_ms = 0;
  bool operator==(const LatencyFigures&) const = default;
};
LatencyFigures latency_figures(const LatencyHistogram& histogram);

// Why the new release's tail breached, or nullopt: with at least min_p99_samples responses of
// each release, the new p99 exceeds max_p99_ratio x the previous p99 (taken as at least
// p99_floor_ms). Fewer responses decide nothing (at 100 or more, nearest-rank p99 never rests on
// one response alone).
std::optional<std::string> tail_breach(const LatencyFigures& fresh, const LatencyFigures& previous,
                                       const StepLimits& limits);

}  // namespace slipway::targets::vm
