#pragma once
// HAProxy's configuration for the vm target, rendered from the stack's state: a frontend on the
// listener, one backend with active HTTP checks and retries that route around a dead replica, the
// admin runtime socket, and the stats page with the built-in Prometheus exporter. The servers in
// rotation are written into the file too, so a restarted HAProxy comes back with the same fleet.

#include <chrono>
#include <string>
#include <vector>

namespace slipway::targets::vm {

struct HaproxyServer {
  std::string name;     // replica name, unique in the backend
  std::string address;  // 127.0.0.1
  int port = 0;
  bool backup = false;  // serves only while no active server is up
};

struct HaproxySettings {
  std::string service;  // backend name
  std::string listener_address;
  int listener_port = 0;
  std::string stats_address;
  int stats_port = 0;
  std::string admin_socket;  // path of the runtime API socket
  std::string pid_file;
  std::string health_path = "/readyz";
  std::chrono::milliseconds check_interval{1000};
  int rise = 2;
  int fall = 3;
  std::chrono::milliseconds check_timeout{1000};
};

// Returns the complete haproxy.cfg text.
std::string render_haproxy_config(const HaproxySettings& settings,
                                  const std::vector<HaproxyServer>& servers);

// Returns the server options (after ADDR:PORT) used both in the file and in `add server`,
// because dynamic servers do not inherit default-server settings.
std::string server_options(const HaproxySettings& settings, bool backup);

}  // namespace slipway::targets::vm
