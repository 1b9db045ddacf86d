#pragma once
// The vm stack's state on disk (STATE/state.json): the releases serving now and before, every
// replica with its port and supervisor, and HAProxy's files, so each command works from a fresh
// shell. Saved atomically after every change, so a killed run leaves a state that says what runs.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace slipway::targets::vm {

struct ReleaseRef {
  std::int64_t revision = 0;
  std::string commit;
  std::string image;
};

struct ReplicaState {
  std::string name;  // also the container name
  std::int64_t revision = 0;
  std::string image;
  int port = 0;
  int supervisor_pid = 0;   // process engine only
  bool backup = false;      // in HAProxy as a backup server (the warm previous release in a bake)
  bool in_haproxy = false;  // added to HAProxy (only once it passed its health checks)
  int stop_timeout_seconds = 30;  // the release's stopTimeout
  // The HAProxy servers serving it: a slot of the generated config ("s3" active, "b1" backup), or
  // its own name beyond the slots (a dynamic server). Empty when it has no such entry.
  std::string server;
  std::string backup_server;
  std::string supervisor_identity;  // the supervisor's process_identity() at start (process engine)
  // The secret versions it was started with (env name -> version id or parameter version): what
  // `status` compares with the current ones. Empty in state written before they were recorded
  // (the ledger's versions of its revision stand in).
  std::map<std::string, std::string> secret_versions;
  // The weight (0-256) of its active server as the last traffic split set it; 1 (HAProxy's
  // default) outside BLUE_GREEN / LINEAR / CANARY. The configuration is rendered with it, so a
  // restarted or reloaded HAProxy keeps the split instead of giving every server weight 1.
  int weight = 1;
};

struct VmState {
  std::string service;
  std::string engine;                  // engine the replicas run on
  std::optional<ReleaseRef> current;   // release in service
  std::optional<ReleaseRef> previous;  // release before it
  std::optional<int> desired_count;    // set by `slipway scale`, wins over service.json
  // Server slots of the running HAProxy (active, backup); 0 when it was started without any.
  int slots = 0;
  int backup_slots = 0;
  std::vector<ReplicaState> replicas;
  int next_replica_number = 1;
  int next_replica_port = 0;  // where the next port search starts (replica_ports.hpp); 0: none yet

  // Returns the replicas of `revision`.
  std::vector<ReplicaState> replicas_of(std::int64_t revision) const;
  // Removes the replica named `name`.
  void remove_replica(const std::string& name);
};

// Paths of everything slipway keeps in the state directory.
struct StatePaths {
  explicit StatePaths(std::string dir);
  std::string dir;
  std::string state_file() const { return dir + "/state.json"; }
  std::string ledger_file() const { return dir + "/releases.json"; }
  std::string lock_file() const { return dir + "/lock"; }
  std::string events_file() const { return dir + "/events.jsonl"; }
  // `slipway rollback` asking the BLUE_GREEN / LINEAR / CANARY deploy that holds the lock to put
  // all traffic back on the previous release (JSON: revision, requested_by, pid).
  std::string rollback_request_file() const { return dir + "/rollback-request"; }
  // The local stack's variables (KEY=VALUE, 0600), read by every vm verb: see
  // load_stack_environment.
  std::string stack_env_file() const { return dir + "/stack.env"; }
  // What this host gives every replica besides its task definition's environment (KEY=VALUE,
  // 0600): the local stack's AWS endpoint and moto's test credentials. See workload_for.
  std::string replica_env_file() const { return dir + "/replica.env"; }
  std::string haproxy_config() const { return dir + "/haproxy.cfg"; }
  std::string haproxy_socket() const { return dir + "/haproxy.sock"; }
  std::string haproxy_pid_file() const { return dir + "/haproxy.pid"; }
  std::string haproxy_log() const { return dir + "/haproxy.log"; }
  std::string replica_log(const std::string& name) const {
    return dir + "/replicas/" + name + "/log";
  }
};

// Loads the state (a missing file is an empty state); throws core::SystemError naming the file
// when it is unreadable.
VmState load_state(const StatePaths& paths);

// Writes the state atomically, and the Prometheus targets file; throws core::SystemError.
void save_state(const StatePaths& paths, const VmState& state);

// Writes STATE/prometheus/targets/replicas.json (file_sd) listing the replicas.
void write_prometheus_targets(const StatePaths& paths, const VmState& state);

}  // namespace slipway::targets::vm
