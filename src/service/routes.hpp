#pragma once
// The service's routes. Handlers only speak HTTP; what they say is built by the plain functions
// below, which tests call with no server running.

#include <string>
#include <string_view>

#include "http/router.hpp"
#include "service/build_info.hpp"
#include "service/state.hpp"

namespace slipway::service {

// Registers /, /healthz, /readyz, /version, /metrics (and /debug/slow under FAULT_INJECT=slow).
// `state` must outlive the router.
void add_routes(http::Router& router, ServiceState& state);

// "hello from slipway, release <sha>\n"
std::string greeting(std::string_view release);

// {"commit":..,"version":..,"build_time":..,"image":..,"dirty":..} as one line of JSON.
std::string version_json(const BuildInfo& build, std::string_view release, std::string_view image);

// Parses the ms query parameter of /debug/slow: 0..60000, nullopt otherwise.
std::optional<long> parse_slow_ms(std::string_view target);

}  // namespace slipway::service
