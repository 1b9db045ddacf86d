#pragma once
// Fault injection for rollout tests (FAULT_INJECT): a release that never becomes healthy, one
// that turns unhealthy later, one that fails requests, one that crashes, and a slow route for
// drain tests. Comma-separated; empty means none. Off in production by simply not setting it.

#include <chrono>
#include <optional>
#include <string_view>

namespace slipway::service {

struct Faults {
  bool unready = false;                                      // /healthz and /readyz always 503
  bool crash = false;                                        // exit 1 right after start
  bool errors = false;                                       // GET / answers 500
  bool slow_route = false;                                   // GET /debug/slow?ms=N is served
  std::optional<std::chrono::milliseconds> unhealthy_after;  // health turns 503 after this
};

// Parses "unready,unhealthy_after=30s,slow"; throws core::InputError naming the bad item.
Faults parse_faults(std::string_view text);

}  // namespace slipway::service
