#include "targets/vm/rollout.hpp"

#include <algorithm>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <thread>
#include <variant>

#include "core/cancellation.hpp"
#include "core/private_files.hpp"
#include "targets/vm/errors.hpp"
#include "targets/vm/health_probe.hpp"
#include "targets/vm/replica_ports.hpp"
#include "targets/vm/rollout_plan.hpp"

namespace slipway::targets::vm {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

constexpr const char* kLoopback = "127.0.0.1";
// How often a starting replica that does not answer yet is checked with the engine.
constexpr milliseconds kEngineCheckInterval{500};

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

ReplicaHandle handle_of(const ReplicaState& replica) {
  return {replica.name, replica.supervisor_pid, replica.supervisor_identity};
}

ReplicaState* find_replica(VmState& state, const std::string& name) {
  for (auto& r : state.replicas) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

}  // namespace

std::string serving_server(const ReplicaState& replica) {
  return replica.backup ? replica.backup_server : replica.server;
}

ReplicaProbe http_probe(const release::ServiceSpec& spec) {
  return [path = spec.vm.health_check.path,
          timeout = spec.vm.health_check.timeout](const ReplicaState& replica) {
    return probe_http(kLoopback, replica.port, path, timeout);
  };
}

struct Rollout::Pending {
  ReplicaState replica;
  HealthTracker tracker;
  Clock::time_point started;
  Clock::time_point next_probe;
  Clock::time_point next_engine_check;
};

Rollout::Rollout(const release::ServiceSpec& spec, const StatePaths& paths, EventLog& events,
                 Engine& engine, Balancer& balancer, ReplicaProbe probe)
    : spec_(spec),
      paths_(paths),
      events_(events),
      engine_(engine),
      balancer_(balancer),
      probe_(std::move(probe)) {}

std::vector<ReplicaState> Rollout::launch(VmState& state, const RolloutRelease& release,
                                          int count) {
  const auto& ref = release.ref;
  const auto& workload = release.workload;
  std::vector<ReplicaState> replicas;
  std::vector<ReplicaLaunch> specs;
  for (int i = 0; i < count; ++i) {
    ReplicaState replica;
    replica.name = spec_.service + "-" + stack_id(paths_.dir) + "-r" +
                   std::to_string(ref.revision) + "-" + std::to_string(state.next_replica_number++);
    replica.revision = ref.revision;
    replica.image = ref.image;
    replica.port = allocate_replica_port(state, spec_.vm.replica_ports, stack_id(paths_.dir),
                                         [](int port) { return port_free(kLoopback, port); });
    replica.stop_timeout_seconds = static_cast<int>(workload.stop_timeout.count());
    replica.secret_versions = release.secrets.versions;

    ReplicaLaunch spec;
    spec.name = replica.name;
    spec.image = ref.image;
    spec.environment = workload.environment;
    for (const auto& [name, value] : release.secrets.values) spec.environment[name] = value;
    // On one machine every replica needs its own port: PORT overrides the containerPort.
    spec.environment["PORT"] = std::to_string(replica.port);
    spec.environment["BIND_ADDRESS"] = kLoopback;
    spec.environment["SLIPWAY_RELEASE"] = ref.commit;
    spec.environment["SLIPWAY_IMAGE"] = ref.image;
    spec.environment["SERVICE_NAME"] = spec_.service;
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
    starts.push_back(std::async(std::launch::async, [this, &spec] { return engine_.start(spec); }));
  }
  std::exception_ptr failure;
  for (std::size_t i = 0; i < starts.size(); ++i) {
    try {
      auto handle = starts[i].get();
      replicas[i].supervisor_pid = handle.supervisor_pid;
      replicas[i].supervisor_identity = handle.supervisor_identity;
    } catch (...) {
      if (!failure) failure = std::current_exception();
    }
    if (auto* recorded = find_replica(state, replicas[i].name)) {
      recorded->supervisor_pid = replicas[i].supervisor_pid;
      recorded->supervisor_identity = replicas[i].supervisor_identity;
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

void Rollout::admit(VmState& state, ReplicaState& replica) {
  auto server = launch_unweighted_ ? balancer_.add_weighted(state, replica, 0)
                                   : balancer_.add(state, replica, replica.backup);
  (replica.backup ? replica.backup_server : replica.server) = server;
  replica.weight = launch_unweighted_ ? 0 : 1;
  replica.in_haproxy = true;
  if (auto* recorded = find_replica(state, replica.name)) *recorded = replica;
  save_state(paths_, state);
  balancer_.record(state);
  events_.task({replica.name, replica.revision, replica.image, replica.port, "RUNNING", "RUNNING",
                "HEALTHY", "healthy, in rotation"},
               "replica " + replica.name + " healthy, in rotation");
}

void Rollout::pause_until(Clock::time_point until, const std::string& doing) const {
  auto wait = std::chrono::ceil<milliseconds>(until - Clock::now());
  if (wait < milliseconds(0)) wait = milliseconds(0);
  if (observe_cancellation_) {
    core::sleep_or_cancel(wait, doing);
  } else {
    std::this_thread::sleep_for(wait);
  }
}

std::optional<std::string> Rollout::pause_or_abort(Clock::time_point until,
                                                   const std::string& doing) const {
  while (true) {
    if (abort_check_) {
      if (auto reason = abort_check_()) return reason;
    }
    const auto now = Clock::now();
    if (now >= until) return std::nullopt;
    pause_until(abort_check_ ? std::min(until, now + kAbortPollInterval) : until, doing);
  }
}

void Rollout::wait_drained(const std::vector<std::string>& servers) {
  auto deadline = Clock::now() + spec_.vm.drain_delay;
  while (Clock::now() < deadline) {
    std::int64_t sessions = 0;
    for (const auto& stat : balancer_.stats()) {
      if (std::find(servers.begin(), servers.end(), stat.server) != servers.end()) {
        sessions += stat.current_sessions;
      }
    }
    if (sessions == 0) return;
    std::this_thread::sleep_for(milliseconds(50));
  }
}

void Rollout::retire(VmState& state, std::vector<ReplicaState> replicas,
                     const std::string& reason) {
  if (replicas.empty()) return;
  // The state's entry is the truth about which servers a replica holds (copies may be older).
  for (auto& r : replicas) {
    if (const auto* now = find_replica(state, r.name)) r = *now;
  }
  // 1. Drain: the balancer sends no new requests; in-flight ones finish.
  std::vector<std::string> draining;
  for (const auto& r : replicas) {
    if (!r.in_haproxy) continue;
    try {
      balancer_.drain(serving_server(r));
      draining.push_back(serving_server(r));
    } catch (const HaproxyError&) {
      // Gone from the balancer (e.g. HAProxy was restarted without it): nothing to drain.
    }
    events_.task(
        {r.name, r.revision, r.image, r.port, "DEACTIVATING", "STOPPED", "HEALTHY", reason},
        "draining replica " + r.name);
  }
  // 2. Zero sessions, at most the drain delay (ECS's deregistration delay).
  try {
    wait_drained(draining);
  } catch (const HaproxyError&) {
    // Counters unreadable: the drain delay is all the wait a stop can get anyway.
  }
  // 3. SIGTERM, SIGKILL after the release's stopTimeout; all replicas at once.
  std::vector<std::future<void>> stops;
  for (const auto& r : replicas) {
    stops.push_back(std::async(std::launch::async, [this, r] {
      engine_.stop(handle_of(r), std::chrono::seconds(r.stop_timeout_seconds));
    }));
  }
  for (auto& stop : stops) stop.get();
  // 4. Out of the balancer and the state.
  for (const auto& r : replicas) {
    if (r.in_haproxy) {
      for (const auto& server : {r.server, r.backup_server}) {
        if (server.empty()) continue;
        try {
          balancer_.remove(state, server);
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
  balancer_.record(state);
}

void Rollout::demote_to_backup(VmState& state, std::vector<ReplicaState> replicas) {
  // Each old replica gets a backup entry first, then its active entry is drained and removed:
  // it serves only if every new replica goes down during the bake.
  for (auto& r : replicas) {
    r.backup_server = balancer_.add(state, r, true);
    if (auto* recorded = find_replica(state, r.name)) recorded->backup_server = r.backup_server;
    balancer_.drain(r.server);
  }
  std::vector<std::string> draining;
  for (const auto& r : replicas) draining.push_back(r.server);
  wait_drained(draining);
  for (auto& r : replicas) {
    balancer_.remove(state, r.server);
    if (auto* recorded = find_replica(state, r.name)) {
      recorded->backup = true;
      recorded->server.clear();
    }
    events_.progress("backup",
                     "replica " + r.name + " drained, kept warm as backup during the bake");
  }
  save_state(paths_, state);
  balancer_.record(state);
}

void Rollout::promote(VmState& state, std::vector<ReplicaState> replicas) {
  for (auto& r : replicas) {
    auto server = balancer_.add(state, r, false);
    bool backup_removed = true;
    try {
      balancer_.remove(state, r.backup_server);
    } catch (const HaproxyError&) {
      // A dynamic backup entry with live sessions is removed with the replica later.
      backup_removed = false;
    }
    if (auto* recorded = find_replica(state, r.name)) {
      recorded->backup = false;
      recorded->server = server;
      recorded->weight = 1;
      if (backup_removed) recorded->backup_server.clear();
    }
    events_.progress("restored", "replica " + r.name + " back in rotation");
  }
  save_state(paths_, state);
  balancer_.record(state);
}

std::optional<std::string> Rollout::check(VmState& state, Pending& p, bool& admitted) {
  const auto& hc = spec_.vm.health_check;
  // Until a replica first answers, it is probed every 50 ms (start-up takes ~100 ms); the
  // passes of a streak are an interval apart.
  const auto first_answer_poll = std::min<milliseconds>(hc.interval, milliseconds(50));
  admitted = false;
  std::optional<std::string> failure;
  // The probe first: asking the engine costs a podman call (0.1-0.3 s) that would hold up the
  // probes. A replica that does not answer is asked about every 500 ms (crashed? exited?); one
  // that is healthy once more before admission (restarted in between?).
  auto status = probe_(p.replica);
  auto verdict = p.tracker.record(status == 200);
  p.next_probe = Clock::now() + (status == 200 ? hc.interval : first_answer_poll);
  const bool healthy = verdict == HealthTracker::Verdict::healthy;
  if (healthy || (status != 200 && Clock::now() >= p.next_engine_check)) {
    p.next_engine_check = Clock::now() + kEngineCheckInterval;
    if (int restarts = engine_.restarts(handle_of(p.replica)); restarts > 0) {
      failure = "crashed on start (restarted " + std::to_string(restarts) + "x)";
    } else if (status != 200 && !engine_.running(handle_of(p.replica))) {
      failure = "exited on start";
    }
  }
  if (!failure && healthy) {
    admit(state, p.replica);
    admitted = true;
    return std::nullopt;
  }
  if (!failure && Clock::now() - p.started > spec_.vm.ready_timeout) {
    failure = "not healthy within " + std::to_string(spec_.vm.ready_timeout.count()) + "ms (last " +
              hc.path + ": " + (status ? std::to_string(*status) : std::string("no answer")) + ")";
  }
  return failure;
}

RollResult Rollout::start_and_admit(VmState& state, const RolloutRelease& release, int count,
                                    int& failures, int threshold, Clock::time_point deadline) {
  const auto& hc = spec_.vm.health_check;
  // A release that already succeeded proved its health: its replicas join at their first
  // passing probe. A new one needs healthy_threshold passes in a row, interval apart.
  const int threshold_passes = release.proven ? 1 : hc.healthy_threshold;
  int to_start = count;
  while (to_start > 0) {
    std::vector<Pending> pending;
    for (auto& replica : launch(state, release, to_start)) {
      pending.push_back({std::move(replica),
                         HealthTracker(threshold_passes, hc.unhealthy_threshold), Clock::now(),
                         Clock::now(), Clock::now() + kEngineCheckInterval});
    }
    to_start = 0;
    while (!pending.empty()) {
      for (auto it = pending.begin(); it != pending.end();) {
        if (Clock::now() < it->next_probe) {
          ++it;
          continue;
        }
        bool admitted = false;
        auto failure = check(state, *it, admitted);
        if (admitted) {
          it = pending.erase(it);
          continue;
        }
        if (!failure) {
          ++it;
          continue;
        }
        ++failures;
        events_.progress("task_failed", "replica " + it->replica.name + " " + *failure + " (" +
                                            std::to_string(failures) + "/" +
                                            std::to_string(threshold) + " failures)");
        retire(state, {it->replica}, "failed: " + *failure);
        it = pending.erase(it);
        if (release.workload.limits.circuit_breaker_enable && failures >= threshold) {
          for (auto& left : pending) retire(state, {left.replica}, "circuit breaker");
          return {false, false,
                  "circuit breaker: " + std::to_string(failures) +
                      " replicas of the new release failed; last: " + *failure};
        }
        ++to_start;  // replace it, as ECS replaces a failed task
      }
      if (Clock::now() > deadline) {
        for (auto& left : pending) retire(state, {left.replica}, "deploy timed out");
        return {false, true, "timed out waiting for replicas to become healthy"};
      }
      if (!pending.empty()) {
        auto next = pending.front().next_probe;
        for (const auto& p : pending) next = std::min(next, p.next_probe);
        pause_until(std::max(next, Clock::now() + milliseconds(5)),
                    "starting replicas of " + release.ref.image);
      }
    }
  }
  return {};
}

RollResult Rollout::roll(VmState& state, const RolloutRelease& release, int desired,
                         bool keep_old_warm, Clock::time_point deadline) {
  const auto revision = release.ref.revision;
  auto limits = fleet_limits(desired, release.workload.limits.minimum_healthy_percent,
                             release.workload.limits.maximum_percent);
  const int threshold = circuit_breaker_threshold(desired);
  int failures = 0;
  auto others = [&state, revision] {
    std::vector<ReplicaState> out;
    for (const auto& r : state.replicas) {
      if (r.revision != revision && !r.backup) out.push_back(r);
    }
    return out;
  };
  auto in_service = [&state, revision] {
    int count = 0;
    for (const auto& r : state.replicas) count += r.revision == revision && r.in_haproxy ? 1 : 0;
    return count;
  };
  keep_old_warm = keep_old_warm && can_keep_old_warm(static_cast<int>(others().size()), limits);
  while (true) {
    FleetState fleet{static_cast<int>(others().size()), in_service()};
    RolloutStep step = keep_old_warm ? RolloutStep{0, std::max(0, desired - fleet.new_in_service)}
                                     : next_rollout_step(fleet, limits);
    if (step.done()) break;
    if (step.stop_old > 0) {
      auto old = others();
      old.resize(static_cast<std::size_t>(step.stop_old));
      retire(state, old, "replaced by revision " + std::to_string(revision));
    }
    auto result = start_and_admit(state, release, step.start_new, failures, threshold, deadline);
    if (!result.ok) return result;
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

std::optional<std::string> Rollout::bake(const VmState& state, std::int64_t revision,
                                         Clock::time_point deadline) {
  return bake(state, revision, deadline, spec_.vm.bake_time);
}

RollResult Rollout::stand_up_unweighted(VmState& state, const RolloutRelease& release, int desired,
                                        Clock::time_point deadline) {
  balancer_.clear_counters();
  launch_unweighted_ = true;
  int failures = 0;
  RollResult result;
  try {
    result = start_and_admit(state, release, desired, failures, circuit_breaker_threshold(desired),
                             deadline);
  } catch (...) {
    launch_unweighted_ = false;
    throw;
  }
  launch_unweighted_ = false;
  return result;
}

void Rollout::weigh(VmState& state, std::int64_t revision, int new_weight, int old_weight) {
  std::vector<std::pair<std::string, int>> weights;
  int new_total = 0;
  int old_total = 0;
  int recorded_new = 0;
  int recorded_old = 0;
  for (const auto& r : state.replicas) {
    if (!r.in_haproxy || r.backup || r.server.empty()) continue;
    const bool fresh = r.revision == revision;
    weights.emplace_back(r.server, fresh ? new_weight : old_weight);
    (fresh ? new_total : old_total) += fresh ? new_weight : old_weight;
    (fresh ? recorded_new : recorded_old) += r.weight;
  }
  // The state records a share of `revision` never below the live one, whenever a run dies: a
  // larger share is recorded before HAProxy gets it, a smaller one after. A restarted HAProxy
  // (rendered from the state) or the next command's repair then never gives the new release more
  // than a step the run had decided. Shares compared as fractions: new/(new+old).
  const auto share = [](int fresh, int old) {
    return fresh + old == 0 ? 0.0 : static_cast<double>(fresh) / (fresh + old);
  };
  const bool grows = share(new_total, old_total) > share(recorded_new, recorded_old);
  auto record = [&] {
    for (auto& r : state.replicas) {
      if (!r.in_haproxy || r.backup || r.server.empty()) continue;
      r.weight = r.revision == revision ? new_weight : old_weight;
    }
    save_state(paths_, state);
    balancer_.record(state);
  };
  if (grows) record();
  balancer_.set_weights(weights);
  if (!grows) record();
}

TrafficWeights Rollout::shift_traffic(VmState& state, std::int64_t revision, int share_tenths) {
  int fresh = 0;
  int previous = 0;
  for (const auto& r : state.replicas) {
    if (!r.in_haproxy || r.backup || r.server.empty()) continue;
    (r.revision == revision ? fresh : previous) += 1;
  }
  auto weights = traffic_weights(share_tenths, fresh, previous);
  weigh(state, revision, weights.new_weight, weights.old_weight);
  return weights;
}

StepSample Rollout::step_sample(const VmState& state, std::int64_t revision) {
  StepSample sample;
  double fresh_time = 0;
  double previous_time = 0;
  for (const auto& stat : balancer_.stats()) {
    for (const auto& r : state.replicas) {
      if (!r.in_haproxy || r.backup || stat.server != r.server) continue;
      auto& counters = r.revision == revision ? sample.fresh : sample.previous;
      counters.responses += stat.responses;
      counters.responses_5xx += stat.responses_5xx;
      (r.revision == revision ? fresh_time : previous_time) +=
          static_cast<double>(stat.response_time_ms) * static_cast<double>(stat.responses);
    }
  }
  // rtime is per server: the release's is their mean weighted by the responses each served.
  if (sample.fresh.responses > 0)
    sample.fresh.mean_response_ms = fresh_time / static_cast<double>(sample.fresh.responses);
  if (sample.previous.responses > 0)
    sample.previous.mean_response_ms =
        previous_time / static_cast<double>(sample.previous.responses);
  return sample;
}

Rollout::StepWatch Rollout::watch_step(const VmState& state, std::int64_t revision,
                                       milliseconds duration, const StepLimits& limits,
                                       Clock::time_point deadline,
                                       const std::optional<LatencyFigures>& baseline) {
  auto health = [&state, revision, this] {
    BakeSample s;
    for (const auto& stat : balancer_.stats()) {
      for (const auto& r : state.replicas) {
        if (r.revision == revision && r.in_haproxy && stat.server == r.server &&
            stat.status.starts_with("DOWN"))
          ++s.servers_down;
      }
    }
    for (const auto& r : state.replicas) {
      if (r.revision == revision) s.restarts += engine_.restarts(handle_of(r));
    }
    return s;
  };
  StepWatch watch;
  // Each response logged from now on counts for the release whose server answered it.
  std::map<std::string, bool> fresh_server;
  for (const auto& r : state.replicas) {
    if (r.in_haproxy && !r.backup && !r.server.empty())
      fresh_server[r.server] = r.revision == revision;
  }
  LatencyHistogram fresh_times;
  LatencyHistogram previous_times;
  std::unique_ptr<ResponseFeed> feed;
  auto feed_lost = [&](const std::string& why) {
    feed.reset();
    watch.tail_unavailable = why;
    events_.progress("judge",
                     "per-request response times unavailable (" + why + "): revision " +
                         std::to_string(revision) +
                         " is judged by HAProxy's mean response time only",
                     boost::json::object{{"revision", revision}, {"tail_judge", false}});
  };
  try {
    feed = balancer_.responses();
    if (!feed) feed_lost("the balancer logs no responses");
  } catch (const HaproxyError& e) {
    feed_lost(e.what());
  }
  // A reloaded or restarted HAProxy ends the stream: the new process's is opened, a few times at
  // most per step (a HAProxy without the ring would end every one).
  int reopens_left = 3;
  auto judge_tail = [&]() -> std::optional<std::string> {
    if (!feed) return std::nullopt;
    try {
      for (const auto& record : feed->take()) {
        auto it = fresh_server.find(record.server);
        if (it != fresh_server.end())
          (it->second ? fresh_times : previous_times).add(record.response_ms);
      }
    } catch (const HaproxyError& e) {
      try {
        if (reopens_left-- > 0 && (feed = balancer_.responses())) return std::nullopt;
      } catch (const HaproxyError&) {
      }
      feed_lost(e.what());
      return std::nullopt;
    }
    watch.fresh_latency = latency_figures(fresh_times);
    watch.previous_latency = latency_figures(previous_times);
    watch.baseline_from_earlier_step =
        baseline && watch.previous_latency.samples < limits.min_p99_samples;
    if (watch.baseline_from_earlier_step) watch.previous_latency = *baseline;
    return tail_breach(watch.fresh_latency, watch.previous_latency, limits);
  };
  watch.start = step_sample(state, revision);
  watch.last = watch.start;
  const auto health_start = health();
  const auto end = Clock::now() + duration;
  while (Clock::now() < end && Clock::now() < deadline) {
    if (auto abort = pause_or_abort(std::min(end, Clock::now() + kStepSampleInterval),
                                    "watching revision " + std::to_string(revision))) {
      watch.breach = abort;
      return watch;
    }
    watch.last = step_sample(state, revision);
    watch.breach = step_breach(watch.start, watch.last, limits);
    auto tail = judge_tail();
    if (!watch.breach) watch.breach = tail;
    // Only DOWN and restarts from the health sample: step_breach judges the 5xx.
    if (!watch.breach) watch.breach = bake_breach(health_start, health(), 1.0);
    if (watch.breach) return watch;
  }
  return watch;
}

std::optional<std::string> Rollout::bake(const VmState& state, std::int64_t revision,
                                         Clock::time_point deadline, milliseconds duration) {
  const auto bake_time = duration;
  auto counters = [&state, revision, this] {
    BakeSample s;
    for (const auto& stat : balancer_.stats()) {
      for (const auto& r : state.replicas) {
        if (r.revision != revision || stat.server != serving_server(r)) continue;
        s.responses += stat.responses;
        s.responses_5xx += stat.responses_5xx;
        if (stat.status.starts_with("DOWN")) ++s.servers_down;
      }
    }
    return s;
  };
  std::vector<ReplicaHandle> handles;
  for (const auto& r : state.replicas) {
    if (r.revision == revision) handles.push_back(handle_of(r));
  }
  auto restarts = [handles, this] {
    int total = 0;
    for (const auto& handle : handles) total += engine_.restarts(handle);
    return total;
  };
  auto sample = [&] {
    auto s = counters();
    s.restarts = restarts();
    return s;
  };
  // With an abort check, the engine's restart counts (a `podman inspect` per replica, 0.1 s or
  // more each) are read on a thread of their own while the check goes on every
  // kAbortPollInterval: a rollback request never waits for them. An abandoned read finishes in
  // the background (it reads copies of the handles) and is joined later.
  auto sample_or_abort = [&]() -> std::variant<BakeSample, std::string> {
    if (!abort_check_) return sample();
    auto s = counters();
    auto pending = std::async(std::launch::async, restarts);
    while (pending.wait_for(kAbortPollInterval) != std::future_status::ready) {
      if (auto reason = abort_check_()) {
        abandoned_reads_.push_back(std::move(pending));
        return *reason;
      }
    }
    s.restarts = pending.get();
    return s;
  };
  events_.progress("bake_started", "baking for " + std::to_string(bake_time.count() / 1000) +
                                       "s: watching health and the 5xx rate");
  auto start = sample();
  auto end = Clock::now() + bake_time;
  while (Clock::now() < end && Clock::now() < deadline) {
    if (auto abort =
            pause_or_abort(Clock::now() + std::min<milliseconds>(spec_.vm.health_check.interval,
                                                                 milliseconds(500)),
                           "baking revision " + std::to_string(revision))) {
      return abort;
    }
    auto now = sample_or_abort();
    if (auto* reason = std::get_if<std::string>(&now)) return *reason;
    auto breach = bake_breach(start, std::get<BakeSample>(now), spec_.vm.bake_max_5xx_ratio);
    if (breach) return breach;
  }
  return std::nullopt;
}

}  // namespace slipway::targets::vm
