#pragma once
// What the vm target takes from the ECS-native spec: the rendered deploy/taskdef.json
// (RegisterTaskDefinition input) and deploy/service.json (CreateService input), read with ECS's
// meaning and ECS's defaults, so the same files drive both targets.

#include <boost/json/value.hpp>
#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "release/deployment_strategy.hpp"

namespace slipway::release {

struct SecretRef {
  std::string name;        // environment variable the value is injected as
  std::string value_from;  // Secrets Manager ARN (with optional :json-key:stage:id), SSM name/ARN,
                           // env://, ...
  bool operator==(const SecretRef&) const = default;
};

struct DeploymentLimits {
  int minimum_healthy_percent = 100;  // ECS default for a replica service
  int maximum_percent = 200;          // ECS default
  bool circuit_breaker_enable = false;
  bool circuit_breaker_rollback = false;
};

struct Workload {
  std::string family;          // taskdef family
  std::string container_name;  // the container that serves traffic
  std::string image;           // the container's image (usually ${IMAGE})
  int container_port = 8080;   // portMappings[0].containerPort, given to the app as PORT
  int desired_count = 1;       // service desiredCount = replicas
  DeploymentLimits limits;
  DeploymentStrategy strategy;  // deploymentConfiguration's strategy, steps, hooks and alarms
  std::map<std::string, std::string> environment;  // plain values, in the clear
  std::vector<SecretRef> secrets;                  // resolved at start, injected as env
  std::chrono::seconds stop_timeout{30};           // ECS default 30 s, max 120 s
  // The rendered task definition (compact JSON) this workload was read from: the ledger keeps
  // it, so a rollback restores the release as it was. Holds references, never secret values.
  std::string task_definition;
};

// Parses JSON text; throws SpecError "FILE:LINE: malformed JSON: ..." when it is not JSON.
boost::json::value parse_json_document(std::string_view text, std::string_view file_name);

// Reads the workload from rendered taskdef and service documents; throws SpecError naming the
// file and field for a missing container, a wrong type or an out-of-range value (ECS's rules:
// minimumHealthyPercent 0-100, maximumPercent 100-200 and above the minimum, stopTimeout 2-120,
// and the strategy members as read_deployment_strategy checks them).
Workload read_workload(const boost::json::value& task_definition, std::string_view taskdef_file,
                       const boost::json::value& service, std::string_view service_file);

struct ServiceSpec;

// Reads the spec's task definition and service files (relative to `base_dir`), renders their
// ${VAR} templates with `extra` first and then the environment, and reads the workload; throws
// SpecError naming the file for an unreadable file, an unset variable or a bad field, and, for
// the vm target, for a lifecycle hook slipway.yaml gives no local command
// (check_vm_strategy).
Workload load_workload(const ServiceSpec& spec, const std::string& base_dir,
                       const std::map<std::string, std::string>& extra);

// Reads the workload of a recorded release: its rendered task definition as the ledger kept it
// (`origin` names it in errors) with the spec's service file rendered now (the service, not the
// release, owns desiredCount and the deployment limits, as on ECS). Needs no variable the task
// definition used; throws SpecError like load_workload.
Workload load_recorded_workload(const ServiceSpec& spec, const std::string& base_dir,
                                const std::map<std::string, std::string>& extra,
                                std::string_view recorded_task_definition, std::string_view origin);

// Checks what the vm target needs beyond ECS's own rules: every AWS_LAMBDA hook's function has a
// command in slipway.yaml's vm.lifecycle_hooks and no hook is PAUSE (the vm has no
// ContinueServiceDeployment); throws SpecError naming the service file's field and the fix.
void check_vm_strategy(const ServiceSpec& spec, const DeploymentStrategy& strategy);

}  // namespace slipway::release
