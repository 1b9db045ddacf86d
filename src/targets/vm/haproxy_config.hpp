#pragma once
// HAProxy's configuration for the vm target, rendered from the stack's state: a frontend on the
// listener, one backend with active HTTP checks and retries that route around a dead replica, the
// admin runtime socket, and the stats page with the built-in Prometheus exporter.
//
// Replicas join through server slots, not dynamic servers: HAProxy 2.6 never reuses a backend
// connection to a server added with `add server` (every request opened a new TCP connection,
// ~3x slower), but does for servers of the configuration. So the backend lists `slots` active
// servers s1..sN and `backup_slots` backup servers b1..bM, the empty ones `disabled` on port 1;
// a replica fills one at run time (`set server BE/sK addr … port …`, then `state ready`) and
// leaves it in maintenance. The filled slots are written with their ports, so a restarted
// HAProxy comes back with the same fleet.

#include <chrono>
#include <string>
#include <vector>

namespace slipway::targets::vm {

struct HaproxyServer {
  std::string name;     // a slot (slot_name/backup_slot_name), or a name beyond the slots
  std::string address;  // 127.0.0.1
  int port = 0;
  bool backup = false;  // serves only while no active server is up
  int weight = 1;       // 0-256; 1 is HAProxy's default and is not written
};

struct HaproxySettings {
  std::string service;  // backend name
  std::string listener_address;
  int listener_port = 0;
  std::string stats_address;
  int stats_port = 0;
  // The test listener: frontend SERVICE_test_in on it, backend SERVICE_test (test_backend()),
  // whose servers a BLUE_GREEN / LINEAR / CANARY run adds at run time. 0: none.
  std::string test_listener_address;
  int test_listener_port = 0;
  std::string admin_socket;  // path of the runtime API socket
  std::string pid_file;
  std::string health_path = "/readyz";
  std::chrono::milliseconds check_interval{1000};
  int rise = 2;
  int fall = 3;
  std::chrono::milliseconds check_timeout{1000};
  int slots = 0;         // active server slots s1..sN
  int backup_slots = 0;  // backup server slots b1..bM
};

// The backend behind the test listener: SERVICE_test.
std::string test_backend(const std::string& service);

// Names of the K-th active and backup slot (K from 1).
std::string slot_name(int k);
std::string backup_slot_name(int k);

// How many slots a HAProxy started for `replicas` replicas gets: a rollout runs at most
// maximumPercent (≤ 200 %) of the desired count, old and new together, and keeps at most the old
// fleet as backups; with headroom for `slipway scale`: max(16, 2 × replicas) active and
// max(8, replicas) backup slots. A replica beyond them joins as a dynamic server (it works, but
// without connection reuse) until HAProxy is next started.
int active_slot_count(int replicas);
int backup_slot_count(int replicas);

// Returns the complete haproxy.cfg text.
std::string render_haproxy_config(const HaproxySettings& settings,
                                  const std::vector<HaproxyServer>& servers);

// Returns the server options (after ADDR:PORT) used both in the file and in `add server`
// (for a replica beyond the slots), because dynamic servers do not inherit default-server.
std::string server_options(const HaproxySettings& settings, bool backup);

}  // namespace slipway::targets::vm
