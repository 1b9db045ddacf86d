#include "targets/vm/vm_target.hpp"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <future>
#include <sstream>
#include <thread>

#include "core/private_files.hpp"
#include "core/redaction.hpp"
#include "release/errors.hpp"
#include "release/identity.hpp"
#include "targets/vm/errors.hpp"
#include "targets/vm/haproxy_process.hpp"
#include "targets/vm/health_probe.hpp"
#include "targets/vm/lock.hpp"
#include "targets/vm/rollout_plan.hpp"

namespace slipway::targets::vm {
namespace fs = std::filesystem;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

constexpr const char* kLoopback = "127.0.0.1";
constexpr const char* kBackupSuffix = ".backup";
// How often a starting replica that does not answer yet is checked with the engine.
constexpr std::chrono::milliseconds kEngineCheckInterval{500};

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string who_am_i() {
  const char* user = std::getenv("USER");
  std::string name = user != nullptr ? user : "";
  if (name.empty()) {
    // No USER in CI jobs and containers: the account of the uid is the next best name.
    if (const passwd* entry = ::getpwuid(::getuid()); entry != nullptr) name = entry->pw_name;
  }
  return (name.empty() ? "uid" + std::to_string(::getuid()) : name) + "@" + host_name();
}

std::string short_sha(const std::string& commit) {
  return commit.substr(0, 12);
}

// Six hex digits of the state directory's path (FNV-1a): replicas of two stacks on one machine
// (`make up` and a test, say) never share a container name, which the engine reuses.
std::string stack_id(const std::string& state_dir) {
  std::uint32_t hash = 2166136261u;
  for (unsigned char c : fs::absolute(state_dir).lexically_normal().string()) {
    hash = (hash ^ c) * 16777619u;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (int shift = 20; shift >= 0; shift -= 4) id += kHex[(hash >> shift) & 0xf];
  return id;
}

}  // namespace

struct VmTarget::RollResult {
  bool ok = true;
  bool timed_out = false;
  std::string reason;
};

VmTarget::VmTarget(VmConfig config, EventLog& events)
    : config_(std::move(config)),
      paths_(config_.state_dir),
      events_(events),
      api_(paths_.haproxy_socket()) {
  core::create_private_directories(paths_.dir);
  auto state = load_state(paths_);
  std::string engine = config_.engine.empty() ? config_.spec.vm.engine : config_.engine;
  // Replicas already running stay on the engine that started them.
  if (!state.engine.empty() && !state.replicas.empty()) engine = state.engine;
  engine_ = make_engine(engine, paths_.dir);
}

VmTarget::~VmTarget() = default;

HaproxySettings VmTarget::balancer_settings() const {
  const auto& vm = config_.spec.vm;
  HaproxySettings s;
  s.service = config_.spec.service;
  s.listener_address = vm.listener_address;
  s.listener_port = vm.listener_port;
  s.stats_address = vm.stats_address;
  s.stats_port = vm.stats_port;
  s.admin_socket = paths_.haproxy_socket();
  s.pid_file = paths_.haproxy_pid_file();
  s.health_path = vm.health_check.path;
  s.check_interval = vm.health_check.interval;
  s.rise = vm.health_check.healthy_threshold;
  s.fall = vm.health_check.unhealthy_threshold;
  s.check_timeout = vm.health_check.timeout;
  return s;
}

std::string VmTarget::server_name(const ReplicaState& replica) const {
  return replica.backup ? replica.backup_server : replica.server;
}

std::vector<HaproxyServer> VmTarget::balancer_servers(const VmState& state) const {
  std::vector<HaproxyServer> servers;
  for (const auto& r : state.replicas) {
    if (!r.in_haproxy) continue;
    if (!r.server.empty()) servers.push_back({r.server, kLoopback, r.port, false});
    if (!r.backup_server.empty()) servers.push_back({r.backup_server, kLoopback, r.port, true});
  }
  return servers;
}

HaproxySettings VmTarget::balancer_settings(const VmState& state) const {
  auto s = balancer_settings();
  s.slots = state.slots;
  s.backup_slots = state.backup_slots;
  return s;
}

void VmTarget::sync_balancer_config(const VmState& state) const {
  write_haproxy_config(balancer_settings(state), balancer_servers(state), paths_.haproxy_config());
}

bool VmTarget::is_slot(const VmState& state, const std::string& server) const {
  for (int k = 1; k <= state.slots; ++k) {
    if (server == slot_name(k)) return true;
  }
  for (int k = 1; k <= state.backup_slots; ++k) {
    if (server == backup_slot_name(k)) return true;
  }
  return false;
}

std::string VmTarget::add_entry(VmState& state, const ReplicaState& replica, bool backup) {
  const auto& backend = config_.spec.service;
  const int count = backup ? state.backup_slots : state.slots;
  for (int k = 1; k <= count; ++k) {
    auto name = backup ? backup_slot_name(k) : slot_name(k);
    bool taken = false;
    for (const auto& r : state.replicas)
      taken = taken || r.server == name || r.backup_server == name;
    if (taken) continue;
    api_.fill_slot(backend, name, kLoopback, replica.port);
    return name;
  }
  // Beyond the slots: a dynamic server works the same, only without backend connection reuse.
  auto name = backup ? replica.name + kBackupSuffix : replica.name;
  api_.add_server(backend, name, kLoopback, replica.port,
                  server_options(balancer_settings(), backup));
  events_.progress("balancer_slots",
                   "no free " + std::string(backup ? "backup " : "") + "server slot of " +
                       std::to_string(count) + ": " + replica.name +
                       " joins as a dynamic server (no connection reuse) until HAProxy restarts");
  return name;
}

void VmTarget::remove_entry(const VmState& state, const std::string& server) {
  const auto& backend = config_.spec.service;
  if (is_slot(state, server)) {
    api_.empty_slot(backend, server);
    return;
  }
  // A dynamic server: idle server connections may take a moment to close before `del server`.
  auto deadline = Clock::now() + std::chrono::seconds(5);
  api_.action("set server " + backend + "/" + server + " state maint");
  while (true) {
    try {
      api_.action("del server " + backend + "/" + server);
      return;
    } catch (const HaproxyError& e) {
      if (std::string(e.what()).find("No such server") != std::string::npos) return;
      if (Clock::now() > deadline) throw;
      std::this_thread::sleep_for(milliseconds(50));
    }
  }
}

void VmTarget::ensure_balancer(VmState& state) {
  if (haproxy_master_pid(paths_.haproxy_pid_file()) != 0 && api_.reachable()) return;
  // Replicas recorded as in HAProxy but gone (machine restarted) are not brought back.
  for (auto& r : state.replicas) {
    if (!engine_->running({r.name, r.supervisor_pid})) r.in_haproxy = false;
  }
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
  start_haproxy(balancer_settings(state), balancer_servers(state), paths_.haproxy_config());
  events_.progress("balancer_started",
                   "HAProxy listening on http://" + config_.spec.vm.listener_address + ":" +
                       std::to_string(config_.spec.vm.listener_port) + "/ (metrics on :" +
                       std::to_string(config_.spec.vm.stats_port) + "/metrics)");
}

void VmTarget::ensure_balancer() {
  StateLock lock(paths_.lock_file(), "slipway up", config_.lock_timeout);
  auto state = load_state(paths_);
  state.service = config_.spec.service;
  if (state.engine.empty()) state.engine = engine_->name();
  ensure_balancer(state);
  save_state(paths_, state);
}

ResolvedSecrets VmTarget::resolve(const SecretResolver& secrets,
                                  const release::Workload& workload) const {
  if (workload.secrets.empty()) return {};
  if (!secrets)
    throw SecretUnresolvable("the task definition has secrets but no resolver is configured");
  try {
    auto resolved = secrets(workload.secrets);
    for (const auto& ref : workload.secrets) {
      if (!resolved.values.contains(ref.name)) {
        throw SecretUnresolvable("secret " + ref.name + " (" + ref.value_from +
                                 ") was not resolved");
      }
    }
    for (const auto& [name, value] : resolved.values) core::register_secret(value);
    return resolved;
  } catch (const SecretUnresolvable&) {
    throw;
  } catch (const std::exception& e) {
    throw SecretUnresolvable(std::string("cannot resolve the task definition's secrets: ") +
                             core::redact(e.what()));
  }
}

std::vector<ReplicaState> VmTarget::launch(VmState& state, const ReleaseRef& ref,
                                           const release::Workload& workload,
                                           const ResolvedSecrets& secrets, int count) {
  std::vector<ReplicaState> replicas;
  std::vector<ReplicaLaunch> specs;
  for (int i = 0; i < count; ++i) {
    ReplicaState replica;
    replica.name = config_.spec.service + "-" + stack_id(paths_.dir) + "-r" +
                   std::to_string(ref.revision) + "-" + std::to_string(state.next_replica_number++);
    replica.revision = ref.revision;
    replica.image = ref.image;
    // None of these has bound its port yet: the kernel may offer the same free port twice.
    do {
      replica.port = pick_free_port(kLoopback);
    } while (std::any_of(state.replicas.begin(), state.replicas.end(),
                         [&](const ReplicaState& r) { return r.port == replica.port; }));
    replica.stop_timeout_seconds = static_cast<int>(workload.stop_timeout.count());

    ReplicaLaunch spec;
    spec.name = replica.name;
    spec.image = ref.image;
    spec.environment = workload.environment;
    for (const auto& [name, value] : secrets.values) spec.environment[name] = value;
    // On one machine every replica needs its own port: PORT overrides the containerPort.
    spec.environment["PORT"] = std::to_string(replica.port);
    spec.environment["BIND_ADDRESS"] = kLoopback;
    spec.environment["SLIPWAY_RELEASE"] = ref.commit;
    spec.environment["SLIPWAY_IMAGE"] = ref.image;
    spec.environment["SERVICE_NAME"] = config_.spec.service;
    spec.stop_timeout = workload.stop_timeout;
    core::create_private_directories(fs::path(paths_.replica_log(replica.name)).parent_path());
    spec.log_path = paths_.replica_log(replica.name);
    // Recorded before it starts: a run killed right after still knows what to clean up.
    state.replicas.push_back(replica);
    replicas.push_back(std::move(replica));
    specs.push_back(std::move(spec));
  }
  save_state(paths_, state);
  // All at once: each start is an engine call of a few hundred milliseconds (podman run).
  std::vector<std::future<ReplicaHandle>> starts;
  for (const auto& spec : specs) {
    starts.push_back(
        std::async(std::launch::async, [this, &spec] { return engine_->start(spec); }));
  }
  std::exception_ptr failure;
  for (std::size_t i = 0; i < starts.size(); ++i) {
    try {
      replicas[i].supervisor_pid = starts[i].get().supervisor_pid;
    } catch (...) {
      if (!failure) failure = std::current_exception();
    }
    for (auto& r : state.replicas) {
      if (r.name == replicas[i].name) r.supervisor_pid = replicas[i].supervisor_pid;
    }
  }
  save_state(paths_, state);
  if (failure) std::rethrow_exception(failure);
  for (const auto& replica : replicas) {
    events_.task({replica.name, ref.revision, ref.image, replica.port, "PROVISIONING", "RUNNING",
                  "UNKNOWN", "deployment of revision " + std::to_string(ref.revision)},
                 "started replica " + replica.name + " of " + short_sha(ref.commit) + " on port " +
                     std::to_string(replica.port));
  }
  return replicas;
}

void VmTarget::put_in_service(VmState& state, ReplicaState& replica) {
  auto server = add_entry(state, replica, replica.backup);
  (replica.backup ? replica.backup_server : replica.server) = server;
  replica.in_haproxy = true;
  for (auto& r : state.replicas) {
    if (r.name == replica.name) r = replica;
  }
  save_state(paths_, state);
  sync_balancer_config(state);
  events_.task({replica.name, replica.revision, replica.image, replica.port, "RUNNING", "RUNNING",
                "HEALTHY", "healthy, in rotation"},
               "replica " + replica.name + " healthy, in rotation");
}

void VmTarget::retire(VmState& state, std::vector<ReplicaState> replicas,
                      const std::string& reason) {
  if (replicas.empty()) return;
  const auto& backend = config_.spec.service;
  // The state's entry is the truth about which servers a replica holds (copies may be older).
  for (auto& r : replicas) {
    for (const auto& now : state.replicas) {
      if (now.name == r.name) r = now;
    }
  }
  // 1. Drain: HAProxy sends no new requests; in-flight ones finish.
  for (const auto& r : replicas) {
    if (!r.in_haproxy) continue;
    try {
      api_.drain_server(backend, server_name(r));
    } catch (const HaproxyError&) {
      // Already gone from HAProxy (e.g. it was restarted): nothing to drain.
    }
    events_.task(
        {r.name, r.revision, r.image, r.port, "DEACTIVATING", "STOPPED", "HEALTHY", reason},
        "draining replica " + r.name);
  }
  // 2. Wait for zero sessions, at most the drain delay (ECS's deregistration delay).
  auto drain_deadline = Clock::now() + config_.spec.vm.drain_delay;
  while (Clock::now() < drain_deadline) {
    std::int64_t sessions = 0;
    try {
      for (const auto& stat : api_.server_stats(backend)) {
        for (const auto& r : replicas) {
          if (r.in_haproxy && stat.server == server_name(r)) sessions += stat.current_sessions;
        }
      }
    } catch (const HaproxyError&) {
      break;
    }
    if (sessions == 0) break;
    std::this_thread::sleep_for(milliseconds(50));
  }
  for (const auto& r : replicas) {
    if (!r.in_haproxy) continue;
    try {
      api_.action("set server " + backend + "/" + server_name(r) + " state maint");
    } catch (const HaproxyError&) {
    }
  }
  // 3. SIGTERM, SIGKILL after the release's stopTimeout; all replicas at once.
  std::vector<std::future<void>> stops;
  for (const auto& r : replicas) {
    stops.push_back(std::async(std::launch::async, [this, r] {
      engine_->stop({r.name, r.supervisor_pid}, std::chrono::seconds(r.stop_timeout_seconds));
    }));
  }
  for (auto& stop : stops) stop.get();
  // 4. Out of HAProxy: a slot stays in maintenance, free for the next replica; a dynamic
  // server is deleted.
  for (const auto& r : replicas) {
    if (r.in_haproxy) {
      for (const auto& server : {r.server, r.backup_server}) {
        if (server.empty()) continue;
        try {
          remove_entry(state, server);
        } catch (const HaproxyError& e) {
          events_.progress("warning", "could not remove " + server + " from HAProxy: " + e.what());
        }
      }
    }
    state.remove_replica(r.name);
    save_state(paths_, state);
    events_.task({r.name, r.revision, r.image, r.port, "STOPPED", "STOPPED", "UNKNOWN", reason},
                 "stopped replica " + r.name + " (" + reason + ")");
  }
  sync_balancer_config(state);
}

void VmTarget::demote_to_backup(VmState& state, std::vector<ReplicaState> replicas) {
  // Each old replica gets a backup entry first, then its active entry is drained and removed:
  // it serves only if every new replica goes down during the bake.
  const auto& backend = config_.spec.service;
  for (auto& r : replicas) {
    r.backup_server = add_entry(state, r, true);
    for (auto& s : state.replicas) {
      if (s.name == r.name) s.backup_server = r.backup_server;
    }
    api_.drain_server(backend, r.server);
  }
  auto deadline = Clock::now() + config_.spec.vm.drain_delay;
  for (auto& r : replicas) {
    while (Clock::now() < deadline) {
      std::int64_t sessions = 0;
      for (const auto& stat : api_.server_stats(backend)) {
        if (stat.server == r.server) sessions = stat.current_sessions;
      }
      if (sessions == 0) break;
      std::this_thread::sleep_for(milliseconds(50));
    }
    remove_entry(state, r.server);
    for (auto& s : state.replicas) {
      if (s.name == r.name) {
        s.backup = true;
        s.server.clear();
      }
    }
    events_.progress("backup",
                     "replica " + r.name + " drained, kept warm as backup during the bake");
  }
  save_state(paths_, state);
  sync_balancer_config(state);
}

void VmTarget::promote(VmState& state, std::vector<ReplicaState> replicas) {
  for (auto& r : replicas) {
    auto server = add_entry(state, r, false);
    bool backup_removed = true;
    try {
      remove_entry(state, r.backup_server);
    } catch (const HaproxyError&) {
      // A dynamic backup entry with live sessions is removed with the replica later.
      backup_removed = false;
    }
    for (auto& s : state.replicas) {
      if (s.name == r.name) {
        s.backup = false;
        s.server = server;
        if (backup_removed) s.backup_server.clear();
      }
    }
    events_.progress("restored", "replica " + r.name + " back in rotation");
  }
  save_state(paths_, state);
  sync_balancer_config(state);
}

VmTarget::RollResult VmTarget::roll(VmState& state, const ReleaseRef& ref,
                                    const release::Workload& workload,
                                    const ResolvedSecrets& secrets, int desired, bool keep_old_warm,
                                    bool proven, Clock::time_point deadline) {
  const auto& hc = config_.spec.vm.health_check;
  auto limits = fleet_limits(desired, workload.limits.minimum_healthy_percent,
                             workload.limits.maximum_percent);
  const int threshold = circuit_breaker_threshold(desired);
  int failures = 0;
  auto others = [&] {
    std::vector<ReplicaState> out;
    for (const auto& r : state.replicas) {
      if (r.revision != ref.revision && !r.backup) out.push_back(r);
    }
    return out;
  };
  auto mine = [&] {
    std::vector<ReplicaState> out;
    for (const auto& r : state.replicas) {
      if (r.revision == ref.revision && r.in_haproxy) out.push_back(r);
    }
    return out;
  };
  auto old_count = static_cast<int>(others().size());
  keep_old_warm = keep_old_warm && can_keep_old_warm(old_count, limits);
  while (true) {
    FleetState fleet{static_cast<int>(others().size()), static_cast<int>(mine().size())};
    RolloutStep step = keep_old_warm ? RolloutStep{0, std::max(0, desired - fleet.new_in_service)}
                                     : next_rollout_step(fleet, limits);
    if (step.done()) break;
    if (step.stop_old > 0) {
      auto old = others();
      old.resize(static_cast<std::size_t>(step.stop_old));
      retire(state, old, "replaced by revision " + std::to_string(ref.revision));
    }
    int to_start = step.start_new;
    while (to_start > 0) {
      struct Pending {
        ReplicaState replica;
        HealthTracker tracker;
        Clock::time_point started;
        Clock::time_point next_probe;
        Clock::time_point next_engine_check;
      };
      // A release that already succeeded proved its health: its replicas join at their first
      // passing probe. A new one needs healthy_threshold passes in a row, interval apart.
      const int threshold_passes = proven ? 1 : hc.healthy_threshold;
      // Until a replica first answers, it is probed every 50 ms (start-up takes ~100 ms);
      // the passes of a streak are an interval apart.
      const auto first_answer_poll = std::min<milliseconds>(hc.interval, milliseconds(50));
      std::vector<Pending> pending;
      for (auto& replica : launch(state, ref, workload, secrets, to_start)) {
        pending.push_back({std::move(replica),
                           HealthTracker(threshold_passes, hc.unhealthy_threshold), Clock::now(),
                           Clock::now(), Clock::now() + kEngineCheckInterval});
      }
      to_start = 0;
      while (!pending.empty()) {
        for (auto it = pending.begin(); it != pending.end();) {
          auto& p = *it;
          if (Clock::now() < p.next_probe) {
            ++it;
            continue;
          }
          std::optional<std::string> failure;
          ReplicaHandle handle{p.replica.name, p.replica.supervisor_pid};
          // The probe first: asking the engine costs a podman call (0.1-0.3 s) that would hold
          // up the probes. A replica that does not answer is asked about every 500 ms (crashed?
          // exited?); one that is healthy once more before admission (restarted in between?).
          auto status = probe_http(kLoopback, p.replica.port, hc.path, hc.timeout);
          auto verdict = p.tracker.record(status == 200);
          p.next_probe = Clock::now() + (status == 200 ? hc.interval : first_answer_poll);
          const bool healthy = verdict == HealthTracker::Verdict::healthy;
          if (healthy || (status != 200 && Clock::now() >= p.next_engine_check)) {
            p.next_engine_check = Clock::now() + kEngineCheckInterval;
            if (int restarts = engine_->restarts(handle); restarts > 0) {
              failure = "crashed on start (restarted " + std::to_string(restarts) + "x)";
            } else if (status != 200 && !engine_->running(handle)) {
              failure = "exited on start";
            }
          }
          if (!failure && verdict == HealthTracker::Verdict::healthy) {
            put_in_service(state, p.replica);
            it = pending.erase(it);
            continue;
          }
          if (!failure && Clock::now() - p.started > config_.spec.vm.ready_timeout) {
            failure = "not healthy within " +
                      std::to_string(config_.spec.vm.ready_timeout.count()) + "ms (last " +
                      hc.path + ": " +
                      (status ? std::to_string(*status) : std::string("no answer")) + ")";
          }
          if (failure) {
            ++failures;
            events_.progress("task_failed", "replica " + p.replica.name + " " + *failure + " (" +
                                                std::to_string(failures) + "/" +
                                                std::to_string(threshold) + " failures)");
            retire(state, {p.replica}, "failed: " + *failure);
            it = pending.erase(it);
            if (workload.limits.circuit_breaker_enable && failures >= threshold) {
              for (auto& left : pending) retire(state, {left.replica}, "circuit breaker");
              return {false, false,
                      "circuit breaker: " + std::to_string(failures) +
                          " replicas of the new release failed; last: " + *failure};
            }
            ++to_start;  // replace it, as ECS replaces a failed task
            continue;
          }
          ++it;
        }
        if (Clock::now() > deadline) {
          for (auto& left : pending) retire(state, {left.replica}, "deploy timed out");
          return {false, true, "timed out waiting for replicas to become healthy"};
        }
        if (!pending.empty()) {
          auto next = pending.front().next_probe;
          for (const auto& p : pending) next = std::min(next, p.next_probe);
          std::this_thread::sleep_until(std::max(next, Clock::now() + milliseconds(5)));
        }
      }
    }
  }
  if (keep_old_warm) {
    std::vector<ReplicaState> old;
    for (const auto& r : others()) {
      if (r.in_haproxy) old.push_back(r);
    }
    demote_to_backup(state, old);
  }
  return {};
}

std::optional<std::string> VmTarget::bake(VmState& state, std::int64_t revision,
                                          Clock::time_point deadline) {
  const auto bake_time = config_.spec.vm.bake_time;
  auto sample = [&]() {
    BakeSample s;
    for (const auto& stat : api_.server_stats(config_.spec.service)) {
      for (const auto& r : state.replicas) {
        if (r.revision != revision || stat.server != server_name(r)) continue;
        s.responses += stat.responses;
        s.responses_5xx += stat.responses_5xx;
        if (stat.status.starts_with("DOWN")) ++s.servers_down;
      }
    }
    for (const auto& r : state.replicas) {
      if (r.revision == revision) s.restarts += engine_->restarts({r.name, r.supervisor_pid});
    }
    return s;
  };
  events_.progress("bake_started", "baking for " + std::to_string(bake_time.count() / 1000) +
                                       "s: watching health and the 5xx rate");
  auto start = sample();
  auto end = Clock::now() + bake_time;
  while (Clock::now() < end && Clock::now() < deadline) {
    std::this_thread::sleep_for(
        std::min<milliseconds>(config_.spec.vm.health_check.interval, milliseconds(500)));
    auto breach = bake_breach(start, sample(), config_.spec.vm.bake_max_5xx_ratio);
    if (breach) return breach;
  }
  return std::nullopt;
}

void VmTarget::note_stale_lock(const StateLock& lock) {
  if (!lock.took_over_stale()) return;
  const auto& stale = *lock.took_over_stale();
  events_.progress("stale_lock", "took over a stale lock of pid " + std::to_string(stale.pid) +
                                     " (" + stale.command + ")");
  // The dead run's release never got an outcome: record that it was interrupted.
  auto ledger = release::Ledger::load(paths_.ledger_file());
  bool changed = false;
  for (const auto& r : ledger.releases()) {
    if (r.outcome == release::Outcome::in_progress) {
      ledger.set_outcome(
          r.revision, release::Outcome::failed,
          "interrupted: `" + stale.command + "` (pid " + std::to_string(stale.pid) + ") died");
      changed = true;
    }
  }
  if (changed) ledger.save();
}

DeployReport VmTarget::deploy(release::Release release, const release::Workload& workload,
                              const SecretResolver& secrets, const WorkloadRenderer& previous) {
  StateLock lock(paths_.lock_file(), "slipway deploy " + release.image, config_.lock_timeout);
  note_stale_lock(lock);
  return deploy_locked(std::move(release), workload, secrets, previous);
}

DeployReport VmTarget::deploy_locked(release::Release release, const release::Workload& workload,
                                     const SecretResolver& secrets,
                                     const WorkloadRenderer& previous) {
  const auto started = Clock::now();
  const auto deadline = started + config_.timeout;
  DeployReport report;
  report.image = release.image;
  auto phase_start = Clock::now();
  auto phase = [&](const std::string& name) {
    report.phases.push_back({name, seconds_since(phase_start)});
    phase_start = Clock::now();
  };

  // Checks that change nothing come first.
  auto state = load_state(paths_);
  state.service = config_.spec.service;
  try {
    release.digest = engine_->image_digest(release.image);  // one engine call: also says it exists
  } catch (const UnknownImage&) {
    throw UnknownImage("image " + release.image + " is not in the " + engine_->name() +
                       " image store: build it with `slipway build` or check the tag");
  }
  auto resolved = resolve(secrets, workload);
  release.secret_versions = resolved.versions;
  release.task_definition = workload.task_definition;
  const int desired = state.desired_count.value_or(workload.desired_count);
  auto limits = fleet_limits(desired, workload.limits.minimum_healthy_percent,
                             workload.limits.maximum_percent);
  {
    int old = 0;
    for (const auto& r : state.replicas) old += r.backup ? 0 : 1;
    if (!can_keep_old_warm(old, limits) && old > 0 && next_rollout_step({old, 0}, limits).done()) {
      throw core::InputError(
          "deploymentConfiguration allows no progress with " + std::to_string(desired) +
          " replica(s): raise maximumPercent or lower minimumHealthyPercent in service.json");
    }
  }
  if (state.engine.empty() || state.replicas.empty()) state.engine = engine_->name();
  ensure_balancer(state);
  save_state(paths_, state);
  phase("prepare");

  auto ledger = release::Ledger::load(paths_.ledger_file());
  // The same image (and digest) succeeded before: it proved its health then (a rollback, a
  // redeploy with other settings).
  const bool proven = std::any_of(ledger.releases().begin(), ledger.releases().end(),
                                  [&](const release::Release& r) {
                                    return r.outcome == release::Outcome::succeeded &&
                                           r.image == release.image && r.digest == release.digest;
                                  });
  release.who = config_.who.empty() ? who_am_i() : config_.who;
  release.when = utc_now_iso8601();
  release.outcome = release::Outcome::in_progress;
  report.revision = ledger.append(release);
  ledger.save();
  ReleaseRef ref{report.revision, release.commit, release.image};
  const auto prior = state.current;
  const auto prior_previous = state.previous;  // restored with `prior` when this release fails
  events_.progress("deploy_started",
                   "deploying revision " + std::to_string(ref.revision) + " (" + release.image +
                       ") with " + std::to_string(desired) + " replica(s), min healthy " +
                       std::to_string(limits.min_healthy) + ", max " +
                       std::to_string(limits.max_running),
                   json::object{{"revision", ref.revision}, {"image", release.image}});

  // Backups left by a run killed during its bake are old news: retire them first.
  std::vector<ReplicaState> stale_backups;
  for (const auto& r : state.replicas) {
    if (r.backup) stale_backups.push_back(r);
  }
  retire(state, stale_backups, "left over from an interrupted deploy");

  auto finish = [&](DeployStatus status, release::Outcome outcome, std::string reason) {
    report.status = status;
    report.reason = reason;
    ledger = release::Ledger::load(paths_.ledger_file());
    ledger.set_outcome(ref.revision, outcome, std::move(reason));
    ledger.save();
    phase("finish");
    events_.progress(
        "deploy_" + std::string(release::to_string(status)),
        "revision " + std::to_string(ref.revision) + " " + std::string(release::to_string(status)) +
            (report.reason.empty() ? "" : ": " + report.reason) + " in " +
            std::to_string(seconds_since(started)).substr(0, 5) + "s",
        json::object{{"revision", ref.revision}, {"status", release::to_string(status)}});
    return report;
  };

  // Restores `prior` when it is no longer fully in service (old replicas were stopped).
  auto restore_prior = [&](const std::string& why) -> bool {
    std::vector<ReplicaState> mine;
    int prior_in_service = 0;
    for (const auto& r : state.replicas) {
      if (r.revision == ref.revision)
        mine.push_back(r);
      else if (r.in_haproxy && !r.backup)
        ++prior_in_service;
    }
    std::vector<ReplicaState> backups;
    for (const auto& r : state.replicas) {
      if (r.backup) backups.push_back(r);
    }
    if (!backups.empty()) promote(state, backups);
    if (prior && prior_in_service + static_cast<int>(backups.size()) < desired) {
      auto ledger_now = release::Ledger::load(paths_.ledger_file());
      auto prior_release = ledger_now.by_revision(prior->revision);
      if (!prior_release || !previous) return false;
      auto prior_workload = previous(*prior_release);
      auto prior_secrets = resolve(secrets, prior_workload);
      auto result = roll(state, *prior, prior_workload, prior_secrets, desired, false, true,
                         Clock::now() + config_.timeout);
      if (!result.ok) return false;
    }
    retire(state, mine, why);
    state.current = prior;
    save_state(paths_, state);
    return true;
  };

  auto result = roll(state, ref, workload, resolved, desired, true, proven, deadline);
  phase("rollout");
  if (!result.ok) {
    bool rollback = workload.limits.circuit_breaker_rollback || result.timed_out;
    if (!rollback) {
      // Without rollback the new replicas that did come up stay; the rest keeps serving.
      return finish(DeployStatus::failed, release::Outcome::failed, result.reason);
    }
    events_.progress("rollback_started", "restoring the previous release: " + result.reason);
    if (!restore_prior("rollback of revision " + std::to_string(ref.revision))) {
      return finish(DeployStatus::failed, release::Outcome::failed,
                    result.reason + "; restoring the previous release failed too");
    }
    phase("restore");
    return result.timed_out
               ? finish(DeployStatus::timed_out, release::Outcome::timed_out, result.reason)
               : finish(DeployStatus::rolled_back, release::Outcome::rolled_back, result.reason);
  }
  state.previous = prior;
  state.current = ref;
  save_state(paths_, state);
  events_.progress("switched", "all traffic on revision " + std::to_string(ref.revision) + " (" +
                                   short_sha(release.commit) + ")");

  // With no earlier release there is nothing to roll back to: a first deploy does not bake.
  if (config_.spec.vm.bake_time.count() > 0 && prior) {
    auto breach = bake(state, ref.revision, deadline);
    phase("bake");
    if (breach) {
      events_.progress("rollback_started", "bake breached: " + *breach);
      state.current = prior;
      state.previous = prior_previous;
      if (!restore_prior("bake breached: " + *breach)) {
        return finish(DeployStatus::failed, release::Outcome::failed,
                      *breach + "; restoring the previous release failed too");
      }
      phase("restore");
      return finish(DeployStatus::rolled_back, release::Outcome::rolled_back, "bake: " + *breach);
    }
  }
  std::vector<ReplicaState> backups;
  for (const auto& r : state.replicas) {
    if (r.backup || r.revision != ref.revision) backups.push_back(r);
  }
  retire(state, backups, "replaced by revision " + std::to_string(ref.revision));
  phase("retire_old");
  return finish(DeployStatus::succeeded, release::Outcome::succeeded, "");
}

DeployReport VmTarget::rollback(const std::optional<std::string>& to, const SecretResolver& secrets,
                                const WorkloadRenderer& render) {
  StateLock lock(paths_.lock_file(), "slipway rollback", config_.lock_timeout);
  note_stale_lock(lock);
  auto ledger = release::Ledger::load(paths_.ledger_file());
  auto state = load_state(paths_);
  std::optional<release::Release> target;
  if (to) {
    target = ledger.find(*to);
  } else {
    if (!state.current) {
      throw release::ReleaseNotFound(
          "nothing is deployed, so there is nothing to roll back: run `slipway deploy`");
    }
    target = ledger.last_good_before(state.current->revision);
    if (!target) {
      throw release::ReleaseNotFound("no earlier good release than revision " +
                                     std::to_string(state.current->revision) +
                                     " to roll back to: see `slipway history`");
    }
  }
  events_.progress(
      "rollback",
      "rolling back to revision " + std::to_string(target->revision) + " (" + target->image +
          "), no rebuild, " +
          (target->task_definition.empty()
               ? "with the task definition rendered now (revision " +
                     std::to_string(target->revision) + " predates recorded task definitions)"
               : "with the task definition it was deployed with (no variables needed; secrets "
                 "at their current version unless the reference pins one)"));
  release::Release next;
  next.commit = target->commit;
  next.image = target->image;
  next.rollback_of = target->revision;
  next.task_definition = target->task_definition;
  return deploy_locked(next, render(*target), secrets, render);
}

DeployReport VmTarget::scale(int count, const SecretResolver& secrets,
                             const WorkloadRenderer& render) {
  if (count < 0 || count > 100)
    throw core::InputError("replica count " + std::to_string(count) +
                           " is out of range: use 0 to 100");
  StateLock lock(paths_.lock_file(), "slipway scale " + std::to_string(count),
                 config_.lock_timeout);
  note_stale_lock(lock);
  auto state = load_state(paths_);
  if (!state.current)
    throw NotRunning("nothing is deployed: run `slipway deploy` or `slipway up` first");
  auto ledger = release::Ledger::load(paths_.ledger_file());
  auto current = ledger.by_revision(state.current->revision);
  if (!current)
    throw NotRunning("the current release is missing from the ledger " + paths_.ledger_file());
  auto workload = render(*current);
  auto resolved = resolve(secrets, workload);
  ensure_balancer(state);
  state.desired_count = count;
  save_state(paths_, state);
  DeployReport report;
  report.revision = current->revision;
  report.image = current->image;
  auto mine = state.replicas_of(current->revision);
  int have = static_cast<int>(mine.size());
  if (have > count) {
    std::vector<ReplicaState> surplus(mine.end() - (have - count), mine.end());
    retire(state, surplus, "scaled to " + std::to_string(count));
  } else if (have < count) {
    // Same release: the "old" fleet is empty, the rollout only adds.
    auto result = roll(state, *state.current, workload, resolved, count, false, true,
                       Clock::now() + config_.timeout);
    if (!result.ok) {
      report.status = result.timed_out ? DeployStatus::timed_out : DeployStatus::failed;
      report.reason = result.reason;
      return report;
    }
  }
  events_.progress("scaled", "revision " + std::to_string(current->revision) + " runs " +
                                 std::to_string(count) + " replica(s)");
  return report;
}

void VmTarget::down() {
  StateLock lock(paths_.lock_file(), "slipway down", config_.lock_timeout);
  auto state = load_state(paths_);
  if (haproxy_master_pid(paths_.haproxy_pid_file()) != 0) {
    retire(state, state.replicas, "slipway down");
    stop_haproxy(paths_.haproxy_pid_file());
    state.slots = 0;
    state.backup_slots = 0;
    events_.progress("down", "HAProxy stopped");
  } else {
    for (auto& r : state.replicas) r.in_haproxy = false;
    retire(state, state.replicas, "slipway down");
  }
  save_state(paths_, state);
}

StatusReport VmTarget::status() {
  StatusReport report;
  report.state = load_state(paths_);
  const auto& vm = config_.spec.vm;
  report.listener = "http://" + vm.listener_address + ":" + std::to_string(vm.listener_port) + "/";
  report.metrics = "http://" + vm.stats_address + ":" + std::to_string(vm.stats_port) + "/metrics";
  report.haproxy_running = haproxy_master_pid(paths_.haproxy_pid_file()) != 0;
  std::vector<ServerStat> stats;
  if (report.haproxy_running) {
    try {
      stats = api_.server_stats(config_.spec.service);
    } catch (const HaproxyError&) {
      report.haproxy_running = false;
    }
  }
  for (const auto& r : report.state.replicas) {
    ReplicaStatus s;
    s.replica = r;
    ReplicaHandle handle{r.name, r.supervisor_pid};
    s.running = engine_->running(handle);
    s.restarts = engine_->restarts(handle);
    s.probe_status = probe_http(kLoopback, r.port, vm.health_check.path, vm.health_check.timeout);
    for (const auto& stat : stats) {
      if (stat.server == server_name(r)) {
        s.haproxy_status = stat.status;
        s.current_sessions = stat.current_sessions;
        s.responses = stat.responses;
        s.responses_5xx = stat.responses_5xx;
      }
    }
    report.replicas.push_back(std::move(s));
  }
  return report;
}

std::string VmTarget::logs(int tail_lines) {
  auto state = load_state(paths_);
  std::ostringstream out;
  for (const auto& r : state.replicas) {
    std::istringstream lines(engine_->logs({r.name, r.supervisor_pid}, tail_lines));
    std::string line;
    while (std::getline(lines, line)) out << r.name << " | " << line << '\n';
  }
  return core::redact(out.str());
}

std::map<std::string, std::string> VmTarget::replica_logs() {
  std::map<std::string, std::string> out;
  for (const auto& r : load_state(paths_).replicas) {
    out[r.name] = core::redact(engine_->logs({r.name, r.supervisor_pid}, 0));
  }
  return out;
}

std::optional<release::Release> VmTarget::current_release() const {
  auto state = load_state(paths_);
  if (!state.current) return std::nullopt;
  return release::Ledger::load(paths_.ledger_file()).by_revision(state.current->revision);
}

VmReleaseTarget::VmReleaseTarget(VmTarget& target, SecretResolver secrets, WorkloadRenderer render)
    : target_(target), secrets_(std::move(secrets)), render_(std::move(render)) {}

release::RolloutReport VmReleaseTarget::deploy(const std::string& image) {
  auto ref = release::parse_image_ref(image);
  release::Release next;
  next.image = ref.str();
  // A -dirty tag still names the commit it was built from.
  next.commit = ref.tag.substr(0, ref.tag.find("-dirty"));
  return target_.deploy(next, render_(next), secrets_, render_);
}

release::RolloutReport VmReleaseTarget::rollback(const std::optional<std::string>& to) {
  return target_.rollback(to, secrets_, render_);
}

}  // namespace slipway::targets::vm
