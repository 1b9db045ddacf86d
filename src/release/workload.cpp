#include "release/workload.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/stream_parser.hpp>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "release/errors.hpp"
#include "release/spec.hpp"
#include "release/template.hpp"

namespace slipway::release {
namespace json = boost::json;
namespace {

class Fields {
 public:
  explicit Fields(std::string_view file) : file_(file) {}

  [[noreturn]] void fail(std::string_view field, const std::string& problem) const {
    throw SpecError(file_ + ": " + std::string(field) + ": " + problem);
  }

  const json::object& object(const json::value& v, std::string_view field) const {
    if (!v.is_object()) fail(field, "expected a JSON object");
    return v.get_object();
  }

  const json::array* array(const json::object& o, std::string_view key,
                           std::string_view field) const {
    auto* v = o.if_contains(key);
    if (v == nullptr || v->is_null()) return nullptr;
    if (!v->is_array()) fail(field, "expected a JSON array");
    return &v->get_array();
  }

  std::string string(const json::object& o, std::string_view key, std::string_view field,
                     bool required) const {
    auto* v = o.if_contains(key);
    if (v == nullptr || v->is_null()) {
      if (required) fail(field, "required");
      return {};
    }
    if (!v->is_string()) fail(field, "expected a string");
    return std::string(v->get_string());
  }

  std::optional<std::int64_t> integer(const json::object& o, std::string_view key,
                                      std::string_view field, std::int64_t min,
                                      std::int64_t max) const {
    auto* v = o.if_contains(key);
    if (v == nullptr || v->is_null()) return std::nullopt;
    std::int64_t n = 0;
    if (v->is_int64()) {
      n = v->get_int64();
    } else if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(max)) {
      n = static_cast<std::int64_t>(v->get_uint64());
    } else {
      fail(field,
           "expected a whole number from " + std::to_string(min) + " to " + std::to_string(max));
    }
    if (n < min || n > max) {
      fail(field, std::to_string(n) + " is out of range; use " + std::to_string(min) + " to " +
                      std::to_string(max));
    }
    return n;
  }

  std::optional<bool> boolean(const json::object& o, std::string_view key,
                              std::string_view field) const {
    auto* v = o.if_contains(key);
    if (v == nullptr || v->is_null()) return std::nullopt;
    if (!v->is_bool()) fail(field, "expected true or false");
    return v->get_bool();
  }

 private:
  std::string file_;
};

}  // namespace

json::value parse_json_document(std::string_view text, std::string_view file_name) {
  json::stream_parser parser;
  boost::system::error_code ec;
  std::size_t consumed = parser.write_some(text.data(), text.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec) {
    consumed = std::min(consumed, text.size());
    auto line =
        1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(consumed), '\n');
    throw SpecError(std::string(file_name) + ":" + std::to_string(line) +
                    ": malformed JSON: " + ec.message() + "; fix the file");
  }
  return parser.release();
}

Workload read_workload(const json::value& task_definition, std::string_view taskdef_file,
                       const json::value& service, std::string_view service_file) {
  Workload w;
  Fields td(taskdef_file);
  const auto& task = td.object(task_definition, "(document)");
  w.family = td.string(task, "family", "family", true);
  const auto* containers = td.array(task, "containerDefinitions", "containerDefinitions");
  if (containers == nullptr || containers->empty()) {
    td.fail("containerDefinitions", "required: one container that serves the traffic");
  }
  const auto& container = td.object(containers->front(), "containerDefinitions[0]");
  w.container_name = td.string(container, "name", "containerDefinitions[0].name", true);
  w.image = td.string(container, "image", "containerDefinitions[0].image", true);

  if (const auto* ports =
          td.array(container, "portMappings", "containerDefinitions[0].portMappings");
      ports != nullptr && !ports->empty()) {
    const auto& mapping = td.object(ports->front(), "containerDefinitions[0].portMappings[0]");
    if (auto port = td.integer(mapping, "containerPort",
                               "containerDefinitions[0].portMappings[0].containerPort", 1, 65535)) {
      w.container_port = static_cast<int>(*port);
    }
  }
  std::set<std::string> names;
  if (const auto* env = td.array(container, "environment", "containerDefinitions[0].environment")) {
    for (std::size_t i = 0; i < env->size(); ++i) {
      auto field = "containerDefinitions[0].environment[" + std::to_string(i) + "]";
      const auto& entry = td.object((*env)[i], field);
      auto name = td.string(entry, "name", field + ".name", true);
      if (!names.insert(name).second) td.fail(field, "duplicate variable " + name);
      w.environment[name] = td.string(entry, "value", field + ".value", false);
    }
  }
  if (const auto* secrets = td.array(container, "secrets", "containerDefinitions[0].secrets")) {
    for (std::size_t i = 0; i < secrets->size(); ++i) {
      auto field = "containerDefinitions[0].secrets[" + std::to_string(i) + "]";
      const auto& entry = td.object((*secrets)[i], field);
      SecretRef ref{td.string(entry, "name", field + ".name", true),
                    td.string(entry, "valueFrom", field + ".valueFrom", true)};
      if (!names.insert(ref.name).second) {
        td.fail(field, "variable " + ref.name + " is set twice (environment and secrets)");
      }
      w.secrets.push_back(std::move(ref));
    }
  }
  if (auto stop =
          td.integer(container, "stopTimeout", "containerDefinitions[0].stopTimeout", 2, 120)) {
    w.stop_timeout = std::chrono::seconds(*stop);
  }

  Fields sv(service_file);
  const auto& svc = sv.object(service, "(document)");
  if (auto desired = sv.integer(svc, "desiredCount", "desiredCount", 0, 100)) {
    w.desired_count = static_cast<int>(*desired);
  }
  if (const auto* config = svc.if_contains("deploymentConfiguration");
      config != nullptr && !config->is_null()) {
    const auto& dc = sv.object(*config, "deploymentConfiguration");
    if (auto v = sv.integer(dc, "minimumHealthyPercent",
                            "deploymentConfiguration.minimumHealthyPercent", 0, 100)) {
      w.limits.minimum_healthy_percent = static_cast<int>(*v);
    }
    if (auto v =
            sv.integer(dc, "maximumPercent", "deploymentConfiguration.maximumPercent", 100, 200)) {
      w.limits.maximum_percent = static_cast<int>(*v);
    }
    if (const auto* breaker = dc.if_contains("deploymentCircuitBreaker");
        breaker != nullptr && !breaker->is_null()) {
      const auto& cb = sv.object(*breaker, "deploymentConfiguration.deploymentCircuitBreaker");
      w.limits.circuit_breaker_enable =
          sv.boolean(cb, "enable", "deploymentConfiguration.deploymentCircuitBreaker.enable")
              .value_or(false);
      w.limits.circuit_breaker_rollback =
          sv.boolean(cb, "rollback", "deploymentConfiguration.deploymentCircuitBreaker.rollback")
              .value_or(false);
    }
    w.strategy = read_deployment_strategy(dc, service_file, "deploymentConfiguration");
  }
  if (w.limits.maximum_percent <= w.limits.minimum_healthy_percent && w.desired_count > 0) {
    sv.fail("deploymentConfiguration", "maximumPercent (" +
                                           std::to_string(w.limits.maximum_percent) +
                                           ") must exceed minimumHealthyPercent (" +
                                           std::to_string(w.limits.minimum_healthy_percent) +
                                           ") or no replica can ever be replaced");
  }
  return w;
}

Workload load_workload(const ServiceSpec& spec, const std::string& base_dir,
                       const std::map<std::string, std::string>& extra) {
  auto read = [&](const std::string& relative) {
    auto path = std::filesystem::path(relative).is_absolute()
                    ? relative
                    : (std::filesystem::path(base_dir) / relative).string();
    std::ifstream in(path);
    if (!in)
      throw SpecError(relative + ": cannot read it; create it or fix the path in slipway.yaml");
    std::stringstream text;
    text << in.rdbuf();
    auto rendered = render_template(text.str(), extra_then_environment(extra), relative);
    return parse_json_document(rendered, relative);
  };
  auto task_definition = read(spec.task_definition_file);
  auto service = read(spec.service_file);
  auto workload =
      read_workload(task_definition, spec.task_definition_file, service, spec.service_file);
  if (spec.target == TargetKind::vm) check_vm_strategy(spec, workload.strategy);
  workload.task_definition = boost::json::serialize(task_definition);
  return workload;
}

Workload load_recorded_workload(const ServiceSpec& spec, const std::string& base_dir,
                                const std::map<std::string, std::string>& extra,
                                std::string_view recorded_task_definition,
                                std::string_view origin) {
  auto task_definition = parse_json_document(recorded_task_definition, origin);
  auto path = std::filesystem::path(spec.service_file).is_absolute()
                  ? spec.service_file
                  : (std::filesystem::path(base_dir) / spec.service_file).string();
  std::ifstream in(path);
  if (!in)
    throw SpecError(spec.service_file +
                    ": cannot read it; create it or fix the path in slipway.yaml");
  std::stringstream text;
  text << in.rdbuf();
  auto service = parse_json_document(
      render_template(text.str(), extra_then_environment(extra), spec.service_file),
      spec.service_file);
  auto workload = read_workload(task_definition, origin, service, spec.service_file);
  if (spec.target == TargetKind::vm) check_vm_strategy(spec, workload.strategy);
  workload.task_definition = boost::json::serialize(task_definition);
  return workload;
}

void check_vm_strategy(const ServiceSpec& spec, const DeploymentStrategy& strategy) {
  const auto& file = spec.service_file;
  for (std::size_t i = 0; i < strategy.lifecycle_hooks.size(); ++i) {
    const auto& hook = strategy.lifecycle_hooks[i];
    auto field = "deploymentConfiguration.lifecycleHooks[" + std::to_string(i) + "]";
    if (hook.target_type == "PAUSE") {
      throw SpecError(file + ": " + field +
                      ".targetType: PAUSE waits for ContinueServiceDeployment, which the vm "
                      "target has no counterpart of; use an AWS_LAMBDA hook with a local command");
    }
    auto name = hook.function_name();
    if (!spec.vm.lifecycle_hooks.contains(name)) {
      throw SpecError(file + ": " + field + ".hookTargetArn: Lambda function " + name +
                      " has no local command on the vm target; add vm.lifecycle_hooks." + name +
                      ": COMMAND to slipway.yaml");
    }
  }
}

}  // namespace slipway::release
