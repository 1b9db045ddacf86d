#pragma once
// slipway.yaml: the short, non-ECS part of a service's spec. Loaded in a fixed order: parse,
// fill defaults, validate; every field is described in spec_fields() and an unknown key is an
// error (a typo must not silently fall back to a default).

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace slipway::release {

enum class TargetKind { vm, ecs };

struct HealthCheckSpec {
  std::string path = "/readyz";
  std::chrono::milliseconds interval{1000};
  int healthy_threshold = 2;
  int unhealthy_threshold = 3;
  std::chrono::milliseconds timeout{1000};
};

// Inclusive range of TCP ports.
struct PortRange {
  int first = 0;
  int last = 0;
  bool contains(int port) const { return port >= first && port <= last; }
  int size() const { return last - first + 1; }
};

struct VmSpec {
  std::string listener_address = "127.0.0.1";
  int listener_port = 8080;
  // ECS's test listener (the test traffic route of BLUE_GREEN, LINEAR and CANARY): a second
  // HAProxy frontend that sends requests only to the new release while production stays on the
  // old one. 0: none.
  std::string test_listener_address = "127.0.0.1";
  int test_listener_port = 0;
  std::string stats_address = "127.0.0.1";
  int stats_port = 8404;
  HealthCheckSpec health_check;
  std::chrono::milliseconds drain_delay{10000};
  std::chrono::milliseconds bake_time{30000};
  double bake_max_5xx_ratio = 0.01;
  std::chrono::milliseconds ready_timeout{60000};
  std::string engine = "auto";  // auto | podman | process
  // Where replicas listen: below Linux's ephemeral range (32768-60999 by default), so an outgoing
  // connection never holds a port a replica is about to bind.
  PortRange replica_ports{15000, 19999};
  // How long one of deploymentConfiguration's minutes (bakeTimeInMinutes,
  // stepBakeTimeInMinutes, canaryBakeTimeInMinutes) lasts on this machine: the service file
  // stays what ECS is given, and a local run or a test shortens the bakes here.
  std::chrono::milliseconds strategy_minute{60000};
  // The LINEAR / CANARY tail judge, from HAProxy's per-request response log: a step breaches
  // when the new release's p99 response time exceeds latency_p99_max_ratio x the previous
  // release's (a p99 below latency_floor counts as latency_floor), once each release answered
  // latency_min_samples requests in the step.
  double latency_p99_max_ratio = 2.0;
  std::chrono::milliseconds latency_floor{20};
  int latency_min_samples = 100;
  // A lifecycle hook's Lambda function name (from its hookTargetArn) -> the local command run
  // in its place (/bin/sh -c), the vm analogue of ECS invoking the function.
  std::map<std::string, std::string> lifecycle_hooks;
};

struct EcsSpec {
  std::string cluster;
  std::string region = "us-east-1";
  std::string endpoint;  // empty = real AWS
};

struct SecretsSpec {
  // Task definition `secrets` the app re-reads itself (no restart needed after a rotation):
  // `status` never marks them stale and `refresh` never restarts anything for them.
  std::vector<std::string> reloaded_by_app;
};

struct ServiceSpec {
  std::string service;
  std::string image_repository;
  TargetKind target = TargetKind::vm;
  std::string task_definition_file = "deploy/taskdef.json";
  std::string service_file = "deploy/service.json";
  VmSpec vm;
  EcsSpec ecs;
  SecretsSpec secrets;
};

struct SpecField {
  std::string_view key;   // dotted path, e.g. "vm.health_check.interval"
  std::string_view type;  // string, port, port range, duration, count, ratio, enum, names, commands
  std::string_view default_value;
  std::string_view description;
};

// Returns every field slipway.yaml accepts, with its type, default and meaning.
const std::vector<SpecField>& spec_fields();

// Parses and validates slipway.yaml text; throws SpecError "FILE: KEY: problem; fix" on a
// malformed document, an unknown key, a missing required field or a value out of range.
ServiceSpec parse_spec(std::string_view yaml_text, std::string_view file_name);

// Reads the file, renders its ${VAR} / ${VAR:-default} templates from the environment
// (release/template.hpp) and parses it; throws SpecError when it cannot be read or a variable
// without a default is unset.
ServiceSpec load_spec(const std::string& path);

std::string_view to_string(TargetKind kind);

}  // namespace slipway::release
