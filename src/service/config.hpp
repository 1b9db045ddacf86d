#pragma once
// The service's configuration: environment variables only, each validated at start. Every
// field is described in docs/service.md with its variable and default.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "http/server.hpp"
#include "service/faults.hpp"
#include "telemetry/log.hpp"
#include "telemetry/trace_sampler.hpp"

namespace slipway::service {

struct Config {
  http::ServerOptions server;                           // PORT, BIND_ADDRESS, WORKERS, limits
  std::string release;                                  // SLIPWAY_RELEASE (else the baked commit)
  std::string image;                                    // SLIPWAY_IMAGE
  std::string service_name = "app";                     // SERVICE_NAME
  std::chrono::milliseconds shutdown_delay{5'000};      // SHUTDOWN_DELAY
  std::chrono::milliseconds shutdown_timeout{25'000};   // SHUTDOWN_TIMEOUT
  bool access_log = true;                               // ACCESS_LOG
  telemetry::Level log_level = telemetry::Level::info;  // LOG_LEVEL
  bool metrics_emf = false;                             // METRICS_EMF
  std::chrono::milliseconds emf_interval{60'000};       // METRICS_EMF_INTERVAL
  Faults faults;                                        // FAULT_INJECT
  bool xray_tracing = false;                            // XRAY_TRACING
  telemetry::SamplingRule xray_sampling;   // XRAY_SAMPLING_RATE, XRAY_SAMPLING_RESERVOIR
  std::size_t xray_queue_capacity = 1000;  // XRAY_QUEUE_CAPACITY
  std::chrono::milliseconds xray_flush_interval{1'000};  // XRAY_FLUSH_INTERVAL
};

// Parses a sampling rate: a fraction "0.05" or a percentage "5%", 0 to 1 (100%).
std::optional<double> parse_sampling_rate(std::string_view text);

// Reads and validates every variable; throws core::InputError with one line naming the first
// bad variable and what it accepts.
Config load_config();

// CPUs this process may run on (its affinity mask), so `taskset -c 0` means one event loop.
unsigned usable_cpus();

}  // namespace slipway::service
