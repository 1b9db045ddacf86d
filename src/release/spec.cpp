#include "release/spec.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <utility>

#include "core/env.hpp"
#include "release/errors.hpp"
#include "release/template.hpp"

namespace slipway::release {
namespace {

const std::vector<SpecField> kFields = {
    {"service", "string", "(required)",
     "Service name: prefixes replica names, HAProxy backend and events."},
    {"image_repository", "string", "app",
     "Image repository; a release's image is REPOSITORY:<commit sha>."},
    {"target", "enum", "vm", "Where releases run: vm (this machine, HAProxy + replicas) or ecs."},
    {"task_definition", "string", "deploy/taskdef.json",
     "ECS RegisterTaskDefinition input (a ${VAR} template)."},
    {"service_definition", "string", "deploy/service.json",
     "ECS CreateService input (a ${VAR} template)."},
    {"vm.listener.address", "string", "127.0.0.1", "Address HAProxy listens on for traffic."},
    {"vm.listener.port", "port", "8080", "Port HAProxy listens on for traffic."},
    {"vm.test_listener.address", "string", "127.0.0.1",
     "Address of the test listener (ECS's test traffic route)."},
    {"vm.test_listener.port", "port", "(none)",
     "Port of the test listener: during BLUE_GREEN, LINEAR and CANARY it serves only the new "
     "release, from TEST_TRAFFIC_SHIFT to the production shift. None when unset."},
    {"vm.haproxy.stats_address", "string", "127.0.0.1",
     "Address of HAProxy's stats page and Prometheus /metrics."},
    {"vm.haproxy.stats_port", "port", "8404",
     "Port of HAProxy's stats page and Prometheus /metrics."},
    {"vm.health_check.path", "string", "/readyz",
     "HTTP path probed on each replica; 200 means ready."},
    {"vm.health_check.interval", "duration", "1s", "Time between two probes of one replica."},
    {"vm.health_check.healthy_threshold", "count", "2",
     "Consecutive passes before a replica is healthy."},
    {"vm.health_check.unhealthy_threshold", "count", "3",
     "Consecutive failures before a replica is unhealthy."},
    {"vm.health_check.timeout", "duration", "1s", "A probe slower than this fails."},
    {"vm.drain_delay", "duration", "10s",
     "Longest wait for a draining replica's sessions to reach zero (ECS deregistration delay)."},
    {"vm.bake_time", "duration", "30s",
     "After the switch, how long health and the 5xx rate are watched before the release is good "
     "(0s: no bake)."},
    {"vm.bake_max_5xx_ratio", "ratio", "0.01",
     "During bake, a 5xx share of responses above this rolls back."},
    {"vm.ready_timeout", "duration", "60s",
     "A new replica not healthy within this counts as a failed task."},
    {"vm.engine", "enum", "auto",
     "Replica engine: auto (podman if installed, else process), podman or process."},
    {"vm.replica_ports", "port range", "15000-19999",
     "Ports replicas listen on, FIRST-LAST; keep them below the machine's ephemeral range "
     "(/proc/sys/net/ipv4/ip_local_port_range) and away from other servers."},
    {"vm.strategy_minute", "duration", "60s",
     "How long one minute of deploy/service.json's deploymentConfiguration (bakeTimeInMinutes, "
     "stepBakeTimeInMinutes, canaryBakeTimeInMinutes) lasts on this machine, e.g. 1s for a local "
     "trial; the service file stays what ECS is given."},
    {"vm.latency_judge.p99_max_ratio", "number", "2.0",
     "LINEAR / CANARY: a step breaches when the new release's p99 response time exceeds this "
     "many times the previous release's over the same time (1 to 100)."},
    {"vm.latency_judge.floor", "duration", "20ms",
     "A previous release's p99 below this counts as this: a fast service's p99 on a busy machine "
     "is scheduler noise, so a tail is judged slow only above ratio x this."},
    {"vm.latency_judge.min_samples", "count", "100",
     "Responses each release must have answered in a step before the p99s are compared "
     "(10 to 1000000); fewer decide nothing."},
    {"vm.lifecycle_hooks", "commands", "{}",
     "Lifecycle hook Lambda function name -> local command run in its place (/bin/sh -c) at the "
     "hook's stages, e.g. {smoke-test: ./scripts/smoke.sh}; exit 0 lets the stage pass."},
    {"ecs.cluster", "string", "", "ECS cluster name (ecs target)."},
    {"ecs.region", "string", "us-east-1", "AWS region (ecs target)."},
    {"ecs.endpoint", "string", "",
     "AWS endpoint URL, e.g. http://127.0.0.1:4566 for moto; empty for real AWS."},
    {"secrets.reloaded_by_app", "names", "[]",
     "Task definition secrets the app re-reads itself, e.g. [API_KEY]: never marked stale, never "
     "restarted for by `slipway refresh`."},
};

bool is_field_of_type(std::string_view key, std::string_view type) {
  for (const auto& field : kFields) {
    if (field.key == key) return field.type == type;
  }
  return false;
}

// A Lambda function name as a hookTargetArn carries it: 1-64 letters, digits, - or _.
bool is_function_name(const std::string& name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

// An environment variable name: what ECS's `secrets[].name` becomes in the container.
bool is_variable_name(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front()))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

class Reader {
 public:
  explicit Reader(std::string_view file) : file_(file) {}

  [[noreturn]] void fail(const std::string& key, const std::string& problem) const {
    throw SpecError(file_ + ": " + key + ": " + problem);
  }

  // Walks the document and rejects keys no field describes.
  void check_keys(const YAML::Node& node, const std::string& prefix) const {
    if (!node.IsMap()) {
      if (!prefix.empty()) return;
      fail("(document)", "expected a mapping of keys such as service, target, vm");
    }
    for (const auto& entry : node) {
      auto key = prefix.empty() ? entry.first.as<std::string>()
                                : prefix + "." + entry.first.as<std::string>();
      bool leaf = false;
      bool parent = false;
      for (const auto& field : kFields) {
        if (field.key == key) leaf = true;
        if (field.key.starts_with(key + ".")) parent = true;
      }
      if (!leaf && !parent) fail(key, "unknown key; `slipway spec` lists the keys");
      if (parent) {
        if (!entry.second.IsMap()) fail(key, "expected a mapping");
        check_keys(entry.second, key);
      } else if (is_field_of_type(key, "commands")) {
        if (!entry.second.IsMap() && !entry.second.IsNull()) {
          fail(key,
               "expected a mapping of Lambda function names to commands, e.g. "
               "{smoke-test: ./scripts/smoke.sh}");
        }
      } else if (is_field_of_type(key, "names")) {
        if (!entry.second.IsSequence() && !entry.second.IsNull()) {
          fail(key, "expected a list of names, e.g. [API_KEY]");
        }
      } else if (!entry.second.IsScalar()) {
        fail(key, "expected a single value");
      }
    }
  }

  // The node at dotted `key`, or an undefined node.
  static YAML::Node node_at(const YAML::Node& root, const std::string& key) {
    YAML::Node node = YAML::Clone(root);
    std::stringstream parts(key);
    std::string part;
    while (std::getline(parts, part, '.')) {
      if (!node.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
      node = node[part];
      if (!node) return node;
    }
    return node;
  }

  std::optional<std::string> scalar(const YAML::Node& root, const std::string& key) const {
    const auto node = node_at(root, key);
    if (!node || node.IsNull()) return std::nullopt;
    return node.as<std::string>();
  }

  void string(const YAML::Node& root, const std::string& key, std::string& out) const {
    if (auto value = scalar(root, key)) out = *value;
  }

  void port(const YAML::Node& root, const std::string& key, int& out) const {
    if (auto value = scalar(root, key)) out = whole(key, *value, 1, 65535);
  }

  void port_range(const YAML::Node& root, const std::string& key, PortRange& out) const {
    auto value = scalar(root, key);
    if (!value) return;
    const auto dash = value->find('-');
    auto bad = [&] {
      fail(key, "\"" + *value +
                    "\" is not a port range; write FIRST-LAST with 1024 <= FIRST <= LAST <= 65535, "
                    "e.g. 15000-19999");
    };
    if (dash == std::string::npos) bad();
    auto number = [&](const std::string& text) {
      if (text.empty() || text.size() > 5 || !std::all_of(text.begin(), text.end(), [](char c) {
            return std::isdigit(static_cast<unsigned char>(c));
          })) {
        bad();
      }
      return std::stoi(text);
    };
    PortRange range{number(value->substr(0, dash)), number(value->substr(dash + 1))};
    if (range.first < 1024 || range.first > range.last || range.last > 65535) bad();
    out = range;
  }

  void count(const YAML::Node& root, const std::string& key, int& out) const {
    if (auto value = scalar(root, key)) out = whole(key, *value, 1, 100);
  }

  void duration(const YAML::Node& root, const std::string& key, std::chrono::milliseconds& out,
                bool allow_zero = false) const {
    if (auto value = scalar(root, key)) {
      auto parsed = core::parse_duration(*value);
      if (!parsed || parsed->count() < (allow_zero ? 0 : 1)) {
        fail(key, "\"" + *value + "\" is not a positive duration; write e.g. 500ms, 5s or 2m");
      }
      out = *parsed;
    }
  }

  void names(const YAML::Node& root, const std::string& key, std::vector<std::string>& out) const {
    const auto list = node_at(root, key);
    if (!list || list.IsNull()) return;
    for (const auto& item : list) {
      if (!item.IsScalar() || !is_variable_name(item.as<std::string>())) {
        fail(key, "\"" + (item.IsScalar() ? item.as<std::string>() : std::string("(not a name)")) +
                      "\" is not a variable name; list the task definition's secrets[].name "
                      "values, e.g. [API_KEY]");
      }
      if (std::find(out.begin(), out.end(), item.as<std::string>()) != out.end()) {
        fail(key, item.as<std::string>() + " is listed twice; keep one");
      }
      out.push_back(item.as<std::string>());
    }
  }

  void commands(const YAML::Node& root, const std::string& key,
                std::map<std::string, std::string>& out) const {
    const auto map = node_at(root, key);
    if (!map || map.IsNull()) return;
    for (const auto& entry : map) {
      auto name = entry.first.as<std::string>();
      if (!is_function_name(name)) {
        fail(key + "." + name,
             "not a Lambda function name; use 1-64 letters, digits, - or _ as "
             "in the hook's hookTargetArn");
      }
      if (!entry.second.IsScalar() || entry.second.as<std::string>().empty()) {
        fail(key + "." + name, "expected the command to run, e.g. ./scripts/smoke.sh");
      }
      out[name] = entry.second.as<std::string>();
    }
  }

  void number(const YAML::Node& root, const std::string& key, double& out, double min, double max,
              const char* example) const {
    if (auto value = scalar(root, key)) {
      try {
        std::size_t used = 0;
        double parsed = std::stod(*value, &used);
        if (used != value->size() || !(parsed >= min && parsed <= max))
          throw std::invalid_argument("");
        out = parsed;
      } catch (const std::exception&) {
        fail(key, "\"" + *value + "\" is invalid; write a number from " +
                      std::to_string(static_cast<long>(min)) + " to " +
                      std::to_string(static_cast<long>(max)) + ", e.g. " + example);
      }
    }
  }

  void ratio(const YAML::Node& root, const std::string& key, double& out) const {
    if (auto value = scalar(root, key)) {
      try {
        std::size_t used = 0;
        double parsed = std::stod(*value, &used);
        if (used != value->size() || parsed < 0 || parsed > 1) throw std::invalid_argument("");
        out = parsed;
      } catch (const std::exception&) {
        fail(key, "\"" + *value + "\" is not a ratio; write a number from 0 to 1, e.g. 0.01");
      }
    }
  }

  int whole(const std::string& key, const std::string& value, int min, int max) const {
    try {
      std::size_t used = 0;
      int parsed = std::stoi(value, &used);
      if (used == value.size() && parsed >= min && parsed <= max) return parsed;
    } catch (const std::exception&) {
    }
    fail(key, "\"" + value + "\" is invalid; write a whole number from " + std::to_string(min) +
                  " to " + std::to_string(max));
  }

 private:
  std::string file_;
};

}  // namespace

const std::vector<SpecField>& spec_fields() {
  return kFields;
}

std::string_view to_string(TargetKind kind) {
  return kind == TargetKind::vm ? "vm" : "ecs";
}

ServiceSpec parse_spec(std::string_view yaml_text, std::string_view file_name) {
  Reader reader(file_name);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    throw SpecError(std::string(file_name) + ":" + std::to_string(e.mark.line + 1) +
                    ": malformed YAML: " + e.msg);
  }
  reader.check_keys(root, "");

  ServiceSpec spec;
  spec.image_repository = "app";
  reader.string(root, "service", spec.service);
  reader.string(root, "image_repository", spec.image_repository);
  reader.string(root, "task_definition", spec.task_definition_file);
  reader.string(root, "service_definition", spec.service_file);
  if (auto target = reader.scalar(root, "target")) {
    if (*target == "vm") {
      spec.target = TargetKind::vm;
    } else if (*target == "ecs") {
      spec.target = TargetKind::ecs;
    } else {
      reader.fail("target", "\"" + *target + "\" is not a target; write vm or ecs");
    }
  }
  auto& vm = spec.vm;
  reader.string(root, "vm.listener.address", vm.listener_address);
  reader.port(root, "vm.listener.port", vm.listener_port);
  reader.string(root, "vm.test_listener.address", vm.test_listener_address);
  reader.port(root, "vm.test_listener.port", vm.test_listener_port);
  reader.string(root, "vm.haproxy.stats_address", vm.stats_address);
  reader.port(root, "vm.haproxy.stats_port", vm.stats_port);
  reader.string(root, "vm.health_check.path", vm.health_check.path);
  reader.duration(root, "vm.health_check.interval", vm.health_check.interval);
  reader.count(root, "vm.health_check.healthy_threshold", vm.health_check.healthy_threshold);
  reader.count(root, "vm.health_check.unhealthy_threshold", vm.health_check.unhealthy_threshold);
  reader.duration(root, "vm.health_check.timeout", vm.health_check.timeout);
  reader.duration(root, "vm.drain_delay", vm.drain_delay);
  reader.duration(root, "vm.bake_time", vm.bake_time, true);
  reader.ratio(root, "vm.bake_max_5xx_ratio", vm.bake_max_5xx_ratio);
  reader.duration(root, "vm.ready_timeout", vm.ready_timeout);
  reader.string(root, "vm.engine", vm.engine);
  reader.port_range(root, "vm.replica_ports", vm.replica_ports);
  reader.duration(root, "vm.strategy_minute", vm.strategy_minute);
  reader.number(root, "vm.latency_judge.p99_max_ratio", vm.latency_p99_max_ratio, 1, 100, "2.0");
  reader.duration(root, "vm.latency_judge.floor", vm.latency_floor);
  if (auto value = reader.scalar(root, "vm.latency_judge.min_samples")) {
    vm.latency_min_samples =
        reader.whole(std::string("vm.latency_judge.min_samples"), *value, 10, 1'000'000);
  }
  reader.commands(root, "vm.lifecycle_hooks", vm.lifecycle_hooks);
  reader.string(root, "ecs.cluster", spec.ecs.cluster);
  reader.string(root, "ecs.region", spec.ecs.region);
  reader.string(root, "ecs.endpoint", spec.ecs.endpoint);
  reader.names(root, "secrets.reloaded_by_app", spec.secrets.reloaded_by_app);

  // Validate what defaults cannot fix.
  auto valid_name = [](const std::string& name) {
    if (name.empty() || name.size() > 64) return false;
    for (char c : name) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
    }
    return true;
  };
  if (spec.service.empty())
    reader.fail("service", "required; give the service a name, e.g. service: app");
  if (!valid_name(spec.service)) {
    reader.fail("service", "\"" + spec.service + "\" is invalid; use 1-64 letters, digits, - or _");
  }
  if (spec.image_repository.empty() || spec.image_repository.find(':') != std::string::npos) {
    reader.fail("image_repository", "\"" + spec.image_repository +
                                        "\" is invalid; give a repository without a tag, e.g. app");
  }
  if (vm.health_check.path.empty() || vm.health_check.path.front() != '/') {
    reader.fail("vm.health_check.path", "\"" + vm.health_check.path + "\" must start with /");
  }
  if (vm.health_check.timeout > vm.health_check.interval) {
    reader.fail("vm.health_check.timeout", "must not exceed vm.health_check.interval");
  }
  if (vm.engine != "auto" && vm.engine != "podman" && vm.engine != "process") {
    reader.fail("vm.engine",
                "\"" + vm.engine + "\" is not an engine; write auto, podman or process");
  }
  if (vm.listener_port == vm.stats_port && vm.listener_address == vm.stats_address) {
    reader.fail("vm.haproxy.stats_port", "must differ from vm.listener.port");
  }
  if (vm.test_listener_port != 0 &&
      (vm.test_listener_port == vm.listener_port || vm.test_listener_port == vm.stats_port)) {
    reader.fail("vm.test_listener.port",
                "must differ from vm.listener.port and "
                "vm.haproxy.stats_port");
  }
  for (const auto& [key, port] : {std::pair{"vm.listener.port", vm.listener_port},
                                  std::pair{"vm.haproxy.stats_port", vm.stats_port}}) {
    if (vm.replica_ports.contains(port)) {
      reader.fail("vm.replica_ports", std::to_string(vm.replica_ports.first) + "-" +
                                          std::to_string(vm.replica_ports.last) + " contains " +
                                          key + " " + std::to_string(port) +
                                          "; choose a range without it");
    }
  }
  if (spec.target == TargetKind::ecs && spec.ecs.cluster.empty()) {
    reader.fail("ecs.cluster", "required when target is ecs");
  }
  return spec;
}

ServiceSpec load_spec(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw SpecError(path + ": cannot read the service spec; create it or pass --spec FILE");
  std::stringstream text;
  text << in.rdbuf();
  // The same ${VAR} / ${VAR:-default} templates as deploy/*.json, from the environment: the
  // local stack's ports live in STATE/stack.env, which the vm verbs load into it first.
  return parse_spec(render_template(text.str(), extra_then_environment({}), path), path);
}

}  // namespace slipway::release
