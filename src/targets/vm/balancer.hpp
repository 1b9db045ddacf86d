#pragma once
// The balancer in front of the replicas, as the rollout drives it: put a healthy replica in
// rotation (as an active server, or as a backup that serves only while no active one is up),
// weight it, drain it, take it out, read its counters. HaproxyBalancer (haproxy_balancer.hpp) is
// the real one; unit tests drive the target through a fake.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "targets/vm/haproxy_api.hpp"
#include "targets/vm/response_log.hpp"
#include "targets/vm/state.hpp"

namespace slipway::targets::vm {

class Balancer {
 public:
  virtual ~Balancer() = default;

  // Returns true when the balancer runs and answers.
  virtual bool running() = 0;

  // Starts the balancer with every replica `state` records as in rotation, and records in
  // `state` the server each fills. Throws PortInUse for a taken listener port, HaproxyError.
  virtual void start(VmState& state) = 0;

  // Stops the balancer; nothing happens when it is not running.
  virtual void stop() = 0;

  // Puts `replica` (healthy: it enters UP) in rotation, as a backup server when `backup`, and
  // returns the name of the server it fills. Throws HaproxyError.
  virtual std::string add(const VmState& state, const ReplicaState& replica, bool backup) = 0;

  // Puts `replica` in rotation as an active server with `weight` (0-256; 0 takes no requests)
  // from its first request on, and returns the server's name. Throws HaproxyError.
  virtual std::string add_weighted(const VmState& state, const ReplicaState& replica,
                                   int weight) = 0;

  // Sets several servers' weights (0-256) at once: one runtime-API command, so a traffic split
  // never passes through an intermediate mix. Throws NoSuchServer, HaproxyError.
  virtual void set_weights(const std::vector<std::pair<std::string, int>>& weights) = 0;

  // Puts `replicas` (healthy) behind the test listener, the only servers it sends requests to.
  // Throws HaproxyError.
  virtual void route_test_traffic(const std::vector<ReplicaState>& replicas) = 0;

  // Takes `replicas` from behind the test listener (one not there is not an error). Throws
  // HaproxyError.
  virtual void stop_test_traffic(const std::vector<ReplicaState>& replicas) = 0;

  // Restarts every counter from zero: the response times of a reused server slot then are its
  // new replica's alone. Throws HaproxyError.
  virtual void clear_counters() = 0;

  // Sends `server` no new requests; in-flight ones finish. Throws NoSuchServer when the balancer
  // does not know it, HaproxyError when it cannot be reached.
  virtual void drain(const std::string& server) = 0;

  // Takes `server` out of the balancer: it gets no traffic and its place is free for another
  // replica. The one way a server leaves; one already gone is not an error. Throws HaproxyError.
  virtual void remove(const VmState& state, const std::string& server) = 0;

  // Returns every server's counters now. Throws HaproxyError.
  virtual std::vector<ServerStat> stats() = 0;

  // Opens the feed of every production response from now on (server, response time, status),
  // or returns nullptr when this balancer logs none. Throws HaproxyError when it cannot open it.
  virtual std::unique_ptr<ResponseFeed> responses() { return nullptr; }

  // Records the servers of `state`, so a restarted balancer comes back with the same fleet.
  virtual void record(const VmState& state) = 0;
};

}  // namespace slipway::targets::vm
