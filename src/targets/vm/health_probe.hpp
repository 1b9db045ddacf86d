#pragma once
// One HTTP health probe of a replica on loopback, as HAProxy's check does it: GET PATH, and the
// status code is the answer.

#include <chrono>
#include <optional>
#include <string>

namespace slipway::targets::vm {

// Sends "GET path HTTP/1.0" to address:port and returns the response's status code, or nullopt
// when the connection fails or nothing valid arrives within `timeout`.
std::optional<int> probe_http(const std::string& address, int port, const std::string& path,
                              std::chrono::milliseconds timeout);

// Returns true when something accepts TCP connections on address:port.
bool port_accepting(const std::string& address, int port);

// Returns true when address:port can be bound now (nothing listens there).
bool port_free(const std::string& address, int port);

}  // namespace slipway::targets::vm
