#pragma once
// What the routes read about the running service. Written by the lifecycle (draining) and read
// by request handlers on every worker thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "service/faults.hpp"
#include "telemetry/metrics.hpp"

namespace slipway::service {

struct ServiceState {
  std::string release;  // the commit this process serves
  std::string image;    // the image it runs from, when known
  Faults faults;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::atomic<bool> draining{false};
  std::atomic<std::uint64_t> greetings{0};  // GET / answered so far (FAULT_INJECT=errors_percent)
  std::atomic<std::uint64_t> greetings_timed{0};  // the same, for FAULT_INJECT=tail_latency
  telemetry::Registry* registry = nullptr;
};

// True while the process should be considered alive (faults may say otherwise).
bool is_healthy(const ServiceState& state, std::chrono::steady_clock::time_point now);

}  // namespace slipway::service
