#pragma once
// Fault injection for rollout tests (FAULT_INJECT): a release that never becomes healthy, one
// that turns unhealthy later, one that fails all or some requests, one that crashes, one that
// answers slower (every request, or only a share of them: slow in its tail), and a slow route for
// drain tests. Comma-separated; empty means none. Off in
// production by simply not setting it.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace slipway::service {

struct Faults {
  bool unready = false;                                      // /healthz and /readyz always 503
  bool crash = false;                                        // exit 1 right after start
  bool errors = false;                                       // GET / answers 500
  bool slow_route = false;                                   // GET /debug/slow?ms=N is served
  std::optional<std::chrono::milliseconds> unhealthy_after;  // health turns 503 after this
  int errors_percent = 0;  // errors_percent=N: N of every 100 GET / answer 500, evenly spread
  std::chrono::milliseconds latency{0};  // latency=DURATION: GET / answers this much later
  // tail_latency=N%:DURATION: N of every 100 GET / answer DURATION later still (after `latency`),
  // evenly spread: a release slower only in its tail (2%:20ms on latency=10ms: p99 3x, mean 1.04x).
  int tail_percent = 0;
  std::chrono::milliseconds tail_latency{0};
};

// Whether the `index`-th request (from 0) is one of the `percent` in 100 that fail: evenly
// spread (5 % fails requests 19, 39, 59 ...), so a short window sees its share.
bool fails_request(std::uint64_t index, int percent);

// Parses "unready,unhealthy_after=30s,slow,errors_percent=5,latency=30ms,tail_latency=2%:20ms";
// throws core::InputError naming the bad item.
Faults parse_faults(std::string_view text);

}  // namespace slipway::service
