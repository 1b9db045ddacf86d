#pragma once
// Running HAProxy itself for the vm stack: master-worker mode, daemonized so it outlives the
// command that started it, its config regenerated from the state before every (re)start.

#include <string>
#include <vector>

#include "targets/vm/haproxy_config.hpp"

namespace slipway::targets::vm {

// Returns the PID in HAProxy's pid file when that process runs, else 0.
int haproxy_master_pid(const std::string& pid_file);

// Checks the config with `haproxy -c`, then starts HAProxy (-W -D) and waits until its admin
// socket answers; throws PortInUse when a listener port is taken and HaproxyError otherwise.
void start_haproxy(const HaproxySettings& settings, const std::vector<HaproxyServer>& servers,
                   const std::string& config_path);

// Writes the config file for a later restart (the running HAProxy is changed via its API).
void write_haproxy_config(const HaproxySettings& settings,
                          const std::vector<HaproxyServer>& servers,
                          const std::string& config_path);

// Stops HAProxy (SIGUSR1 soft stop, SIGTERM after 5 s) and waits for it to exit.
void stop_haproxy(const std::string& pid_file);

}  // namespace slipway::targets::vm
