#pragma once
// The Balancer on HAProxy (see haproxy_config.hpp for why replicas fill server slots): a replica
// fills a free slot of the generated configuration, or beyond the slots joins as a dynamic server
// (`add server`, without backend connection reuse); leaving, a slot goes into maintenance (free
// again) and a dynamic server is deleted. HAProxy itself runs daemonized (haproxy_process.hpp)
// with its configuration rewritten from the state after every change.

#include <string>

#include "release/spec.hpp"
#include "targets/vm/balancer.hpp"
#include "targets/vm/events.hpp"
#include "targets/vm/haproxy_config.hpp"

namespace slipway::targets::vm {

class HaproxyBalancer final : public Balancer {
 public:
  // HAProxy for `spec`'s service and listeners, its socket, pid and config files in `paths`.
  HaproxyBalancer(const release::ServiceSpec& spec, const StatePaths& paths, EventLog& events);

  bool running() override;
  void start(VmState& state) override;
  void stop() override;
  std::string add(const VmState& state, const ReplicaState& replica, bool backup) override;
  std::string add_weighted(const VmState& state, const ReplicaState& replica, int weight) override;
  void set_weights(const std::vector<std::pair<std::string, int>>& weights) override;
  void clear_counters() override;
  void route_test_traffic(const std::vector<ReplicaState>& replicas) override;
  void stop_test_traffic(const std::vector<ReplicaState>& replicas) override;
  void drain(const std::string& server) override;
  void remove(const VmState& state, const std::string& server) override;
  std::vector<ServerStat> stats() override;
  std::unique_ptr<ResponseFeed> responses() override;
  void record(const VmState& state) override;

 private:
  HaproxySettings settings(const VmState& state) const;  // with the state's slots
  std::vector<HaproxyServer> servers(const VmState& state) const;
  std::string add(const VmState& state, const ReplicaState& replica, bool backup, int weight);

  HaproxySettings base_;
  std::string config_path_;
  EventLog& events_;
  HaproxyApi api_;
};

}  // namespace slipway::targets::vm
