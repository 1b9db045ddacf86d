#include "targets/vm/haproxy_balancer.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

#include "targets/vm/errors.hpp"
#include "targets/vm/haproxy_process.hpp"

namespace slipway::targets::vm {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kLoopback = "127.0.0.1";
constexpr const char* kBackupSuffix = ".backup";
constexpr int kDefaultWeight = 1;  // what the configuration's server lines give every server

bool is_slot(const VmState& state, const std::string& server) {
  for (int k = 1; k <= state.slots; ++k) {
    if (server == slot_name(k)) return true;
  }
  for (int k = 1; k <= state.backup_slots; ++k) {
    if (server == backup_slot_name(k)) return true;
  }
  return false;
}

}  // namespace

HaproxyBalancer::HaproxyBalancer(const release::ServiceSpec& spec, const StatePaths& paths,
                                 EventLog& events)
    : config_path_(paths.haproxy_config()), events_(events), api_(paths.haproxy_socket()) {
  const auto& vm = spec.vm;
  base_.service = spec.service;
  base_.listener_address = vm.listener_address;
  base_.listener_port = vm.listener_port;
  base_.test_listener_address = vm.test_listener_address;
  base_.test_listener_port = vm.test_listener_port;
  base_.stats_address = vm.stats_address;
  base_.stats_port = vm.stats_port;
  base_.admin_socket = paths.haproxy_socket();
  base_.pid_file = paths.haproxy_pid_file();
  base_.health_path = vm.health_check.path;
  base_.check_interval = vm.health_check.interval;
  base_.rise = vm.health_check.healthy_threshold;
  base_.fall = vm.health_check.unhealthy_threshold;
  base_.check_timeout = vm.health_check.timeout;
}

HaproxySettings HaproxyBalancer::settings(const VmState& state) const {
  auto s = base_;
  s.slots = state.slots;
  s.backup_slots = state.backup_slots;
  return s;
}

std::vector<HaproxyServer> HaproxyBalancer::servers(const VmState& state) const {
  std::vector<HaproxyServer> out;
  for (const auto& r : state.replicas) {
    if (!r.in_haproxy) continue;
    if (!r.server.empty()) out.push_back({r.server, kLoopback, r.port, false, r.weight});
    if (!r.backup_server.empty()) out.push_back({r.backup_server, kLoopback, r.port, true});
  }
  return out;
}

bool HaproxyBalancer::running() {
  return haproxy_master_pid(base_.pid_file) != 0 && api_.reachable();
}

void HaproxyBalancer::start(VmState& state) {
  // A new HAProxy: slots sized for the fleet, and every replica in rotation gets one.
  const int replicas =
      std::max(state.desired_count.value_or(0), static_cast<int>(state.replicas.size()));
  state.slots = active_slot_count(replicas);
  state.backup_slots = backup_slot_count(replicas);
  int active = 0;
  int backups = 0;
  for (auto& r : state.replicas) {
    r.server.clear();
    r.backup_server.clear();
    if (!r.in_haproxy) continue;
    if (r.backup) {
      r.backup_server =
          ++backups <= state.backup_slots ? backup_slot_name(backups) : r.name + kBackupSuffix;
    } else {
      r.server = ++active <= state.slots ? slot_name(active) : r.name;
    }
  }
  start_haproxy(settings(state), servers(state), config_path_);
}

void HaproxyBalancer::stop() {
  stop_haproxy(base_.pid_file);
}

std::string HaproxyBalancer::add(const VmState& state, const ReplicaState& replica, bool backup) {
  return add(state, replica, backup, kDefaultWeight);
}

std::string HaproxyBalancer::add_weighted(const VmState& state, const ReplicaState& replica,
                                          int weight) {
  return add(state, replica, false, weight);
}

void HaproxyBalancer::set_weights(const std::vector<std::pair<std::string, int>>& weights) {
  api_.set_weights(base_.service, weights);
}

void HaproxyBalancer::clear_counters() {
  api_.clear_counters();
}

void HaproxyBalancer::route_test_traffic(const std::vector<ReplicaState>& replicas) {
  for (const auto& r : replicas) {
    api_.add_server(test_backend(base_.service), r.name, kLoopback, r.port,
                    server_options(base_, false));
  }
}

void HaproxyBalancer::stop_test_traffic(const std::vector<ReplicaState>& replicas) {
  const auto backend = test_backend(base_.service);
  for (const auto& r : replicas) {
    try {
      api_.maint_server(backend, r.name);
      // Idle server connections may take a moment to close before `del server`.
      auto deadline = Clock::now() + std::chrono::seconds(5);
      while (true) {
        try {
          api_.delete_server(backend, r.name);
          break;
        } catch (const NoSuchServer&) {
          throw;
        } catch (const HaproxyError&) {
          if (Clock::now() > deadline) throw;
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
      }
    } catch (const NoSuchServer&) {
      // Never routed, or HAProxy restarted since (its configuration lists no test servers).
    }
  }
}

std::string HaproxyBalancer::add(const VmState& state, const ReplicaState& replica, bool backup,
                                 int weight) {
  const int count = backup ? state.backup_slots : state.slots;
  for (int k = 1; k <= count; ++k) {
    auto name = backup ? backup_slot_name(k) : slot_name(k);
    bool taken = false;
    for (const auto& r : state.replicas)
      taken = taken || r.server == name || r.backup_server == name;
    if (taken) continue;
    api_.fill_slot(base_.service, name, kLoopback, replica.port, weight);
    return name;
  }
  // Beyond the slots: a dynamic server works the same, only without backend connection reuse.
  auto name = backup ? replica.name + kBackupSuffix : replica.name;
  api_.add_server(base_.service, name, kLoopback, replica.port,
                  server_options(base_, backup) + " weight " + std::to_string(weight));
  events_.progress("balancer_slots",
                   "no free " + std::string(backup ? "backup " : "") + "server slot of " +
                       std::to_string(count) + ": " + replica.name +
                       " joins as a dynamic server (no connection reuse) until HAProxy restarts");
  return name;
}

void HaproxyBalancer::drain(const std::string& server) {
  api_.drain_server(base_.service, server);
}

void HaproxyBalancer::remove(const VmState& state, const std::string& server) {
  try {
    api_.maint_server(base_.service, server);
    if (is_slot(state, server)) return;  // in maintenance, the slot is free for the next replica
    // A dynamic server: idle server connections may take a moment to close before `del server`.
    auto deadline = Clock::now() + std::chrono::seconds(5);
    while (true) {
      try {
        api_.delete_server(base_.service, server);
        return;
      } catch (const NoSuchServer&) {
        throw;
      } catch (const HaproxyError&) {
        if (Clock::now() > deadline) throw;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  } catch (const NoSuchServer&) {
    // Already gone (deleted before, or HAProxy restarted without it): out is out.
  }
}

std::vector<ServerStat> HaproxyBalancer::stats() {
  return api_.server_stats(base_.service);
}

std::unique_ptr<ResponseFeed> HaproxyBalancer::responses() {
  return open_response_stream(api_);
}

void HaproxyBalancer::record(const VmState& state) {
  write_haproxy_config(settings(state), servers(state), config_path_);
}

}  // namespace slipway::targets::vm
