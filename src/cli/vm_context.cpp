#include "cli/vm_context.hpp"

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "aws/session.hpp"
#include "cli/vm_verbs.hpp"
#include "core/dotenv.hpp"
#include "core/env.hpp"
#include "core/errors.hpp"
#include "core/redaction.hpp"
#include "release/template.hpp"
#include "secrets/freshness.hpp"
#include "secrets/secret_store.hpp"
#include "secrets/session_resolver.hpp"
#include "targets/vm/errors.hpp"
#include "targets/vm/state.hpp"

namespace slipway::cli {
namespace fs = std::filesystem;

void add_vm_options(CLI::App* command, VmOptions& options, bool deploying) {
  command
      ->add_option("--spec", options.spec_file,
                   "The service spec; deploy/*.json are read relative to its directory")
      ->capture_default_str();
  command->add_option("--state-dir", options.state_dir,
                      "Where the stack's state, ledger, HAProxy files and logs live; default "
                      "$SLIPWAY_STATE_DIR, else .state beside the spec");
  command
      ->add_option("--engine", options.engine,
                   "Replica engine: auto, podman or process; default vm.engine of the spec")
      ->check(CLI::IsMember({"auto", "podman", "process"}));
  if (deploying) {
    command->add_option("--var", options.vars,
                        "NAME=VALUE for the ${VAR} templates of deploy/*.json (repeatable); wins "
                        "over the environment");
    command
        ->add_option("--timeout", options.timeout,
                     "Give up (and restore the previous release) after this long, bake "
                     "included: e.g. 90s, 15m")
        ->capture_default_str();
    command->add_option("--bake-time", options.bake_time,
                        "Watch health and the 5xx rate this long after the switch (0s = no "
                        "bake); default vm.bake_time of the spec");
  }
}

release::Workload VmContext::workload_for(const release::Release& release) const {
  auto extra = vars;
  extra["IMAGE"] = release.image;
  extra["COMMIT"] = release.commit;
  extra["SERVICE"] = spec.service;
  // A recorded release runs as it was: its own task definition, no variables needed.
  auto workload = release.task_definition.empty()
                      ? release::load_workload(spec, base_dir, extra)
                      : release::load_recorded_workload(
                            spec, base_dir, extra, release.task_definition,
                            "task definition of revision " + std::to_string(release.revision) +
                                " in the ledger");
  // The host's part, as an ECS task gets its region and role credentials from the agent rather
  // than from its task definition: STATE/replica.env (make up writes the local moto's endpoint
  // and test credentials there). From that file, not from this process's environment, where a
  // shell's own AWS credentials may be. Not recorded in the ledger; the task definition's own
  // entries win.
  const auto host_file = targets::vm::StatePaths(state_dir).replica_env_file();
  if (fs::exists(host_file)) {
    for (auto& [name, value] : core::load_dotenv_file(host_file)) {
      workload.environment.try_emplace(name, std::move(value));
    }
  }
  return workload;
}

void load_stack_environment(const std::string& state_dir) {
  const auto path = targets::vm::StatePaths(state_dir).stack_env_file();
  if (!fs::exists(path)) return;
  // Never overriding: what the caller's environment sets wins, as with `secrets exec --env-file`.
  for (const auto& [name, value] : core::load_dotenv_file(path)) {
    ::setenv(name.c_str(), value.c_str(), 0);
  }
}

VmContext make_vm_context(const VmOptions& options, const GlobalOptions& globals, bool any_target) {
  VmContext context;
  auto spec_path = fs::absolute(options.spec_file);
  context.base_dir = spec_path.parent_path().string();
  if (options.state_dir) {
    context.state_dir = fs::absolute(*options.state_dir).string();
  } else if (auto env = core::env_string("SLIPWAY_STATE_DIR")) {
    context.state_dir = fs::absolute(*env).string();
  } else {
    context.state_dir = (fs::path(context.base_dir) / ".state").string();
  }
  // Before the spec: slipway.yaml's own ${VAR} templates (the stack's ports) may come from it.
  load_stack_environment(context.state_dir);
  context.spec = release::load_spec(options.spec_file);
  if (context.spec.target != release::TargetKind::vm && !any_target) {
    throw core::InputError(options.spec_file +
                           " says target: ecs; this command drives the vm target: use `slipway ecs "
                           "...`, or set target: vm");
  }
  for (const auto& var : options.vars) {
    auto [name, value] = core::parse_assignment(var, "--var");
    context.vars[std::move(name)] = std::move(value);
  }
  auto timeout = core::parse_duration(options.timeout);
  if (!timeout || timeout->count() <= 0) {
    throw core::InputError("--timeout " + options.timeout +
                           " is not a duration: write e.g. 90s or 15m");
  }
  if (options.bake_time) {
    auto bake = core::parse_duration(*options.bake_time);
    if (!bake)
      throw core::InputError("--bake-time " + *options.bake_time +
                             " is not a duration: write e.g. 30s");
    context.spec.vm.bake_time = *bake;
  }
  targets::vm::VmConfig config;
  config.spec = context.spec;
  config.state_dir = context.state_dir;
  config.engine = options.engine.value_or("");
  config.timeout = std::chrono::duration_cast<std::chrono::seconds>(*timeout);
  context.events = std::make_unique<targets::vm::EventLog>(
      context.spec.service,
      globals.output == OutputFormat::json ? targets::vm::EventFormat::json
                                           : targets::vm::EventFormat::text,
      targets::vm::StatePaths(context.state_dir).events_file());
  context.target = std::make_unique<targets::vm::VmTarget>(config, *context.events);
  return context;
}

targets::vm::SecretResolver make_secret_resolver(const GlobalOptions& globals) {
  return [globals](const std::vector<release::SecretRef>& refs) {
    std::vector<secrets::SecretRequest> requests;
    for (const auto& ref : refs) requests.push_back({ref.name, ref.value_from});
    auto resolved = secrets::resolve_secrets(requests, globals.session_options());
    targets::vm::ResolvedSecrets out;
    for (auto& secret : resolved) {
      if (!secret.version.empty()) out.versions[secret.name] = secret.version;
      out.values[secret.name] = std::move(secret.value);
    }
    return out;
  };
}

release::CurrentSecretVersions make_current_versions(const aws::SessionOptions& options) {
  return [options](const std::vector<release::SecretRef>& refs) {
    std::vector<secrets::SecretRequest> requests;
    for (const auto& ref : refs) requests.push_back({ref.name, ref.value_from});
    std::map<std::string, std::string> out;
    std::unique_ptr<aws::Session> session;
    std::unique_ptr<secrets::SecretStore> store;
    if (secrets::needs_aws(requests)) {
      session = std::make_unique<aws::Session>(options);
      store = secrets::make_aws_store(*session);
    }
    for (const auto& secret : secrets::check_freshness(requests, {}, {}, store.get())) {
      out[secret.name] = secret.current;
    }
    return out;
  };
}

release::Ledger load_ledger(const std::string& state_dir) {
  return release::Ledger::load(targets::vm::StatePaths(state_dir).ledger_file());
}

void add_vm_commands(CLI::App& app, GlobalOptions& globals, Action& action) {
  add_build_command(app, globals, action);
  add_deploy_command(app, globals, action);
  add_rollback_command(app, globals, action);
  add_refresh_command(app, globals, action);
  add_history_command(app, globals, action);
  add_status_command(app, globals, action);
  add_logs_command(app, globals, action);
  add_up_command(app, globals, action);
  add_down_command(app, globals, action);
  add_scale_command(app, globals, action);
  add_prune_command(app, globals, action);
}

}  // namespace slipway::cli
