#pragma once
// Test double of the balancer: servers are records with HAProxy's states (UP, DRAIN, and DOWN
// for the images a test marks down), and a test can make any operation fail.

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "targets/vm/balancer.hpp"
#include "targets/vm/errors.hpp"

namespace slipway::targets::vm::testing {

class FakeBalancer final : public Balancer {
 public:
  struct Server {
    std::string replica;
    std::string image;
    int port = 0;
    bool backup = false;
    std::string state = "UP";  // UP or DRAIN
    int weight = 1;
  };

  // Called first by every operation with its name ("add", "drain", "remove", "stats") and the
  // server (empty for stats); a test throws from it to make that operation fail.
  std::function<void(const std::string& operation, const std::string& server)> before;

  // Fills the counters a server reports (responses, 5xx, response time); called by stats() for
  // every server, after the fake's own fields. Counters restart from zero with clear_counters().
  std::function<void(ServerStat& stat, const Server& server)> counters;

  // The per-request response log: while set, responses() opens a feed (counted in feeds_opened)
  // whose take() returns what this returns, or throws what it throws. Unset: no log (nullptr).
  std::function<std::vector<ResponseRecord>()> response_log;
  int feeds_opened = 0;

  // Every weight change, in order: one entry per set_weights() call (what one runtime-API
  // command would carry).
  std::vector<std::vector<std::pair<std::string, int>>> weight_changes;
  int counter_clears = 0;
  // The images behind the test listener now, one entry per replica.
  std::multiset<std::string> test_servers;

  // The servers of `image` report DOWN from now on.
  void report_down(const std::string& image) { down_images_.insert(image); }

  const std::map<std::string, Server>& servers() const { return servers_; }
  int starts() const { return starts_; }

  // The images serving traffic now: active servers not draining.
  std::multiset<std::string> active_images() const {
    std::multiset<std::string> out;
    for (const auto& [name, server] : servers_) {
      if (!server.backup && server.state == "UP" && server.weight > 0) out.insert(server.image);
    }
    return out;
  }

  bool running() override { return running_; }
  void start(VmState& state) override {
    running_ = true;
    ++starts_;
    servers_.clear();
    for (auto& r : state.replicas) {
      r.server.clear();
      r.backup_server.clear();
      if (!r.in_haproxy) continue;
      auto name = server_name(r, r.backup);
      // Like HAProxy's configuration rendered from the state: the recorded weights.
      servers_[name] = {r.name, r.image, r.port, r.backup, "UP", r.backup ? 1 : r.weight};
      (r.backup ? r.backup_server : r.server) = name;
    }
  }
  void stop() override {
    running_ = false;
    servers_.clear();
  }
  std::string add(const VmState&, const ReplicaState& replica, bool backup) override {
    auto name = server_name(replica, backup);
    if (before) before("add", name);
    if (servers_.contains(name)) throw HaproxyError("server " + name + " already in use");
    servers_[name] = {replica.name, replica.image, replica.port, backup, "UP"};
    return name;
  }
  std::string add_weighted(const VmState& state, const ReplicaState& replica, int weight) override {
    auto name = add(state, replica, false);
    servers_[name].weight = weight;
    return name;
  }
  void set_weights(const std::vector<std::pair<std::string, int>>& weights) override {
    if (before) before("set_weights", "");
    for (const auto& [name, weight] : weights) {
      if (!servers_.contains(name)) throw NoSuchServer("no server " + name);
    }
    for (const auto& [name, weight] : weights) servers_[name].weight = weight;
    weight_changes.push_back(weights);
  }
  void route_test_traffic(const std::vector<ReplicaState>& replicas) override {
    if (before) before("route_test_traffic", "");
    for (const auto& r : replicas) test_servers.insert(r.image);
  }
  void stop_test_traffic(const std::vector<ReplicaState>& replicas) override {
    if (before) before("stop_test_traffic", "");
    for (const auto& r : replicas) test_servers.erase(r.image);
  }
  void clear_counters() override {
    if (before) before("clear_counters", "");
    ++counter_clears;
  }
  void drain(const std::string& server) override {
    if (before) before("drain", server);
    auto it = servers_.find(server);
    if (it == servers_.end()) throw NoSuchServer("no server " + server);
    it->second.state = "DRAIN";
  }
  void remove(const VmState&, const std::string& server) override {
    if (before) before("remove", server);
    servers_.erase(server);
  }
  std::unique_ptr<ResponseFeed> responses() override {
    if (!response_log) return nullptr;
    ++feeds_opened;
    struct Feed final : ResponseFeed {
      std::function<std::vector<ResponseRecord>()> log;
      std::vector<ResponseRecord> take() override { return log(); }
    };
    auto feed = std::make_unique<Feed>();
    feed->log = response_log;
    return feed;
  }

  std::vector<ServerStat> stats() override {
    if (before) before("stats", "");
    std::vector<ServerStat> out;
    for (const auto& [name, server] : servers_) {
      ServerStat stat;
      stat.backend = "app";
      stat.server = name;
      stat.status = down_images_.contains(server.image) ? "DOWN" : server.state;
      stat.backup = server.backup;
      stat.weight = server.weight;
      if (counters) counters(stat, server);
      out.push_back(stat);
    }
    return out;
  }
  void record(const VmState&) override {}

 private:
  static std::string server_name(const ReplicaState& replica, bool backup) {
    return (backup ? "b-" : "s-") + replica.name;
  }

  bool running_ = false;
  int starts_ = 0;
  std::map<std::string, Server> servers_;
  std::set<std::string> down_images_;
};

}  // namespace slipway::targets::vm::testing
