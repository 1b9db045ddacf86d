#include "targets/vm/haproxy_process.hpp"

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "core/private_files.hpp"
#include "core/subprocess.hpp"
#include "targets/vm/errors.hpp"
#include "targets/vm/haproxy_api.hpp"
#include "targets/vm/health_probe.hpp"

namespace slipway::targets::vm {
namespace {

using Clock = std::chrono::steady_clock;

bool wait_gone(int pid, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (core::process_alive(pid) && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return !core::process_alive(pid);
}

}  // namespace

int haproxy_master_pid(const std::string& pid_file) {
  std::ifstream in(pid_file);
  int pid = 0;
  in >> pid;
  return pid > 0 && core::process_alive(pid) ? pid : 0;
}

void write_haproxy_config(const HaproxySettings& settings,
                          const std::vector<HaproxyServer>& servers,
                          const std::string& config_path) {
  try {
    core::write_private_file(config_path, render_haproxy_config(settings, servers));
  } catch (const core::SystemError& e) {
    throw HaproxyError(e.what());
  }
}

void start_haproxy(const HaproxySettings& settings, const std::vector<HaproxyServer>& servers,
                   const std::string& config_path) {
  for (auto [address, port, key] :
       {std::tuple{settings.listener_address, settings.listener_port, "vm.listener.port"},
        std::tuple{settings.stats_address, settings.stats_port, "vm.haproxy.stats_port"}}) {
    if (!port_free(address, port)) {
      throw PortInUse(std::string(key) + " " + address + ":" + std::to_string(port) +
                      " is in use by another program: stop it or change " + key +
                      " in slipway.yaml");
    }
  }
  write_haproxy_config(settings, servers, config_path);
  core::RunOptions check;
  check.argv = {"haproxy", "-c", "-q", "-f", config_path};
  check.timeout = std::chrono::seconds(30);
  if (auto result = core::run(check); !result.ok()) {
    throw HaproxyError("HAProxy rejected " + config_path + ": " +
                       result.err.substr(0, result.err.find('\n')));
  }
  core::RunOptions start;
  start.argv = {"haproxy", "-W", "-D", "-f", config_path};
  start.timeout = std::chrono::seconds(30);
  if (auto result = core::run(start); !result.ok()) {
    throw HaproxyError("HAProxy did not start: " + result.err.substr(0, result.err.find('\n')));
  }
  HaproxyApi api(settings.admin_socket);
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (!api.reachable()) {
    if (Clock::now() > deadline)
      throw HaproxyError("HAProxy started but its socket " + settings.admin_socket +
                         " never answered");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // HAProxy writes its pid file with the umask's mode; the state directory's files are private.
  if (!settings.pid_file.empty() && std::filesystem::exists(settings.pid_file)) {
    core::make_private(settings.pid_file);
  }
}

void stop_haproxy(const std::string& pid_file) {
  int pid = haproxy_master_pid(pid_file);
  if (pid == 0) return;
  ::kill(pid, SIGUSR1);  // soft stop: finish in-flight requests
  if (!wait_gone(pid, std::chrono::seconds(5))) {
    ::kill(pid, SIGTERM);
    wait_gone(pid, std::chrono::seconds(5));
  }
}

}  // namespace slipway::targets::vm
