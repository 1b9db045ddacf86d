// `slipway ecs ...`: the ECS target's actions (targets/ecs/ecs_target.hpp) with their flags.
#include "cli/ecs.hpp"

#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>

#include "core/env.hpp"
#include "core/errors.hpp"
#include "release/spec.hpp"
#include "targets/ecs/ecs_target.hpp"
#include "targets/ecs/errors.hpp"
#include "targets/ecs/render.hpp"

namespace slipway::cli {
namespace {

namespace fs = std::filesystem;
using targets::ecs::Verdict;

struct Context {
  release::ServiceSpec spec;
  std::string base_dir = ".";
  targets::ecs::ServiceLocation where;
  aws::SessionOptions session;
};

std::chrono::milliseconds duration(const std::string& text, std::string_view flag) {
  const auto parsed = core::parse_duration(text);
  if (!parsed) {
    throw core::InputError(std::string(flag) + " " + text +
                           ": not a duration; write e.g. 500ms, 30s, 5m");
  }
  return *parsed;
}

Context context_of(const EcsCommonOptions& options, const GlobalOptions& globals) {
  Context context;
  const bool spec_needed = options.cluster.empty() || options.service.empty();
  if (fs::exists(options.spec_file)) {
    context.spec = release::load_spec(options.spec_file);
    context.base_dir = fs::absolute(options.spec_file).parent_path().string();
  } else if (spec_needed || options.spec_file != "slipway.yaml") {
    throw core::InputError(options.spec_file +
                           " not found; run from the service's directory, "
                           "pass --spec FILE, or give --cluster and --service");
  }
  context.where.cluster = options.cluster.empty() ? context.spec.ecs.cluster : options.cluster;
  context.where.service = options.service.empty() ? context.spec.service : options.service;
  context.session = globals.session_options();
  if (!context.session.region && !core::env_string("AWS_REGION") &&
      !core::env_string("AWS_DEFAULT_REGION") && !context.spec.ecs.region.empty()) {
    context.session.region = context.spec.ecs.region;
  }
  // The spec's endpoint (moto) is the last resort: a flag or AWS_ENDPOINT_URL* win, and
  // --real-aws drops it.
  if (!context.session.endpoint_url && !options.real_aws && !context.spec.ecs.endpoint.empty() &&
      !core::env_string("AWS_ENDPOINT_URL") && !core::env_string("AWS_ENDPOINT_URL_ECS")) {
    context.session.endpoint_url = context.spec.ecs.endpoint;
  }
  return context;
}

std::map<std::string, std::string> variables_of(const EcsRenderOptions& render) {
  std::map<std::string, std::string> variables;
  if (!render.terraform_dir.empty())
    variables = targets::ecs::terraform_outputs(render.terraform_dir);
  for (const auto& assignment : render.variables) {
    const auto equals = assignment.find('=');
    if (equals == std::string::npos || equals == 0) {
      throw core::InputError("--var " + assignment + ": expected NAME=VALUE");
    }
    variables[assignment.substr(0, equals)] = assignment.substr(equals + 1);
  }
  return variables;
}

// What deploy, diff and verify render the task definition from.
targets::ecs::DeployInput deploy_input_of(const Context& context, const EcsRenderOptions& render) {
  targets::ecs::DeployInput input;
  input.where = context.where;
  input.spec = context.spec;
  input.base_dir = context.base_dir;
  input.image = render.image;
  input.variables = variables_of(render);
  return input;
}

targets::ecs::Report reporter(const GlobalOptions& globals) {
  return [&globals](std::string_view kind, const std::string& message) {
    if (globals.output == OutputFormat::json) {
      std::cout << "{\"event\":" << json_quote(kind) << ",\"message\":" << json_quote(message)
                << "}\n";
    } else {
      std::cout << message << "\n";
    }
    std::cout.flush();
  };
}

targets::ecs::FollowTimeouts timeouts_of(const EcsFollowOptions& follow) {
  targets::ecs::FollowTimeouts timeouts;
  // "auto": 5 minutes, or what the service's circuit breaker needs to trip when that is longer.
  timeouts.start_from_service = follow.start_timeout == "auto";
  if (!timeouts.start_from_service) {
    timeouts.start = duration(follow.start_timeout, "--start-timeout");
  }
  timeouts.rollout = duration(follow.rollout_timeout, "--rollout-timeout");
  timeouts.bake = duration(follow.bake_time, "--bake-time");
  return timeouts;
}

ExitCode exit_code_of(const targets::ecs::DeployResult& result) {
  switch (result.verdict) {
    case Verdict::in_progress:
    case Verdict::succeeded:
      return ExitCode::ok;
    case Verdict::rolled_back_by_circuit_breaker:
    case Verdict::rolled_back_by_alarm:
      return ExitCode::rolled_back;
    case Verdict::failed:
      return ExitCode::failed;
    case Verdict::timed_out:
      return ExitCode::timed_out;
    case Verdict::superseded:
      return ExitCode::superseded;
  }
  return ExitCode::failed;
}

ExitCode print_result(const targets::ecs::DeployResult& result, const GlobalOptions& globals) {
  const auto code = exit_code_of(result);
  if (globals.output == OutputFormat::json) {
    std::cout << "{\"result\":{\"verdict\":" << json_quote(targets::ecs::to_string(result.verdict))
              << ",\"reason\":" << json_quote(result.reason)
              << ",\"task_definition\":" << json_quote(result.task_definition_arn)
              << ",\"previous_task_definition\":" << json_quote(result.previous_task_definition)
              << ",\"deployment_id\":" << json_quote(result.deployment_id)
              << ",\"slipway_rolled_back\":" << (result.slipway_rolled_back ? "true" : "false")
              << ",\"api_calls\":" << result.api_calls << ",\"exit_code\":" << to_int(code)
              << "}}\n";
  } else {
    std::cout << "result: " << targets::ecs::to_string(result.verdict) << " (" << result.api_calls
              << " API calls, exit " << to_int(code) << ")\n";
  }
  return code;
}

void add_common(CLI::App* command, EcsCommonOptions& common, bool with_family) {
  command
      ->add_option("--spec", common.spec_file,
                   "slipway.yaml to read (service, ecs.cluster, ecs.region, ecs.endpoint, "
                   "task_definition_file)")
      ->capture_default_str();
  command->add_option("--cluster", common.cluster, "ECS cluster; default ecs.cluster of the spec");
  command->add_option("--service", common.service, "ECS service; default service of the spec");
  if (with_family) {
    command->add_option("--family", common.family,
                        "Task definition family; default the service's current one");
  }
  command->add_flag("--real-aws", common.real_aws,
                    "Ignore ecs.endpoint of the spec and use AWS's own endpoints");
}

void add_render(CLI::App* command, EcsRenderOptions& render, bool image_required) {
  auto* image = command->add_option("--image", render.image,
                                    "Image to deploy, REPOSITORY:SHA (an ECR reference)");
  if (image_required) image->required();
  command->add_option("--terraform-dir", render.terraform_dir,
                      "Read ${VAR} values from `terraform output -json` in this directory "
                      "(names as given and upper-cased)");
  command->add_option("--var", render.variables,
                      "NAME=VALUE for a ${NAME} in the task definition; wins over Terraform "
                      "outputs and the environment (repeatable)");
}

void add_follow(CLI::App* command, EcsFollowOptions& follow) {
  command->add_flag("!--no-wait", follow.wait,
                    "Return once the service points at the revision, without following the "
                    "deployment");
  command
      ->add_option("--start-timeout", follow.start_timeout,
                   "Longest wait for the first task of the deployment to run; auto: 5m, or "
                   "longer when the service's circuit breaker needs longer to trip (desired "
                   "count, health check grace period)")
      ->capture_default_str();
  command
      ->add_option("--rollout-timeout", follow.rollout_timeout,
                   "Longest wait for the deployment to reach COMPLETED")
      ->capture_default_str();
  command
      ->add_option("--bake-time", follow.bake_time,
                   "After COMPLETED, how long to watch the service's deployment alarms")
      ->capture_default_str();
  command
      ->add_option("--poll-interval", follow.poll_interval, "Time between DescribeServices polls")
      ->capture_default_str();
}

// Runs one rollout (deploy or rollback) on a fresh session: prints its result with the number of
// API calls it made (the lock's release included).
ExitCode run_rollout(
    const Context& context, const GlobalOptions& globals,
    const std::function<targets::ecs::DeployResult(targets::ecs::EcsTarget&)>& rollout) {
  aws::Session session(context.session);
  targets::ecs::EcsTarget target(session, reporter(globals));
  auto result = rollout(target);
  result.api_calls = session.requests_sent();
  return print_result(result, globals);
}

}  // namespace

ExitCode run_ecs_deploy(const EcsDeployOptions& options, const GlobalOptions& globals) {
  auto context = context_of(options.common, globals);
  auto input = deploy_input_of(context, options.render);
  input.check_image = options.check_image;
  input.pin_secret_versions = options.pin_secret_versions;
  input.wait = options.follow.wait;
  input.timeouts = timeouts_of(options.follow);
  input.poll_interval = duration(options.follow.poll_interval, "--poll-interval");
  input.log_lines_on_failure = options.log_lines;
  return run_rollout(context, globals,
                     [&](targets::ecs::EcsTarget& target) { return target.deploy(input); });
}

ExitCode run_ecs_rollback(const EcsRollbackOptions& options, const GlobalOptions& globals) {
  auto context = context_of(options.common, globals);
  targets::ecs::RollbackInput input;
  input.where = context.where;
  input.family = options.common.family;
  input.to = options.to;
  input.wait = options.follow.wait;
  input.timeouts = timeouts_of(options.follow);
  input.poll_interval = duration(options.follow.poll_interval, "--poll-interval");
  return run_rollout(context, globals,
                     [&](targets::ecs::EcsTarget& target) { return target.rollback(input); });
}

ExitCode run_ecs_history(const EcsHistoryOptions& options, const GlobalOptions& globals) {
  auto context = context_of(options.common, globals);
  aws::Session session(context.session);
  targets::ecs::EcsTarget target(session, reporter(globals));
  const auto releases = target.history(context.where, options.common.family, options.limit);
  if (globals.output == OutputFormat::json) {
    std::cout << "[";
    bool first = true;
    for (const auto& r : releases) {
      std::cout << (first ? "" : ",") << "{\"revision\":" << r.revision
                << ",\"arn\":" << json_quote(r.arn) << ",\"commit\":" << json_quote(r.commit)
                << ",\"image\":" << json_quote(r.image) << ",\"digest\":" << json_quote(r.digest)
                << ",\"deployed_by\":" << json_quote(r.deployed_by)
                << ",\"deployed_at\":" << json_quote(r.deployed_at)
                << ",\"outcome\":" << json_quote(r.outcome)
                << ",\"reason\":" << json_quote(r.reason)
                << ",\"current\":" << (r.current ? "true" : "false") << "}";
      first = false;
    }
    std::cout << "]\n";
  } else {
    std::cout << "REVISION\tCOMMIT\tOUTCOME\tDEPLOYED_AT\tDEPLOYED_BY\tIMAGE\n";
    for (const auto& r : releases) {
      std::cout << r.revision << (r.current ? "*" : "") << "\t"
                << (r.commit.empty() ? "-" : r.commit.substr(0, 12)) << "\t"
                << (r.outcome.empty() ? "-" : r.outcome) << "\t"
                << (r.deployed_at.empty() ? "-" : r.deployed_at) << "\t"
                << (r.deployed_by.empty() ? "-" : r.deployed_by) << "\t" << r.image << "\n";
    }
  }
  return ExitCode::ok;
}

ExitCode run_ecs_status(const EcsStatusOptions& options, const GlobalOptions& globals) {
  auto context = context_of(options.common, globals);
  aws::Session session(context.session);
  targets::ecs::EcsTarget target(session, reporter(globals));
  const auto status = target.status(context.where);
  const auto& s = status.service;
  if (globals.output == OutputFormat::json) {
    std::cout << "{\"service\":" << json_quote(s.name) << ",\"status\":" << json_quote(s.status)
              << ",\"task_definition\":" << json_quote(s.task_definition)
              << ",\"desired\":" << s.desired_count << ",\"running\":" << s.running_count
              << ",\"pending\":" << s.pending_count << ",\"deployments\":[";
    for (std::size_t i = 0; i < s.deployments.size(); ++i) {
      const auto& d = s.deployments[i];
      std::cout << (i ? "," : "") << "{\"id\":" << json_quote(d.id)
                << ",\"status\":" << json_quote(d.status)
                << ",\"rollout_state\":" << json_quote(d.rollout_state)
                << ",\"task_definition\":" << json_quote(d.task_definition)
                << ",\"running\":" << d.running_count << ",\"desired\":" << d.desired_count
                << ",\"failed_tasks\":" << d.failed_tasks << "}";
    }
    std::cout << "],\"tasks\":" << status.tasks.size() << ",\"targets\":[";
    for (std::size_t i = 0; i < status.targets.size(); ++i) {
      std::cout << (i ? "," : "") << "{\"id\":" << json_quote(status.targets[i].id)
                << ",\"state\":" << json_quote(status.targets[i].state) << "}";
    }
    std::cout << "],\"alarms\":[";
    for (std::size_t i = 0; i < status.alarms.size(); ++i) {
      std::cout << (i ? "," : "") << "{\"name\":" << json_quote(status.alarms[i].name)
                << ",\"state\":" << json_quote(status.alarms[i].state) << "}";
    }
    std::cout << "]}\n";
  } else {
    std::cout << s.name << " " << s.status << " "
              << s.task_definition.substr(s.task_definition.rfind('/') + 1) << " running "
              << s.running_count << "/" << s.desired_count << ", pending " << s.pending_count
              << "\n";
    for (const auto& d : s.deployments) {
      std::cout << "deployment " << d.id << " " << d.status << " " << d.rollout_state << " "
                << d.task_definition.substr(d.task_definition.rfind('/') + 1) << " running "
                << d.running_count << "/" << d.desired_count << ", failed " << d.failed_tasks
                << "\n";
    }
    for (const auto& t : status.targets)
      std::cout << "target " << t.id << ":" << t.port << " " << t.state << "\n";
    for (const auto& a : status.alarms) std::cout << "alarm " << a.name << " " << a.state << "\n";
  }
  return ExitCode::ok;
}

ExitCode run_ecs_logs(const EcsLogsOptions& options, const GlobalOptions& globals) {
  auto context = context_of(options.common, globals);
  aws::Session session(context.session);
  targets::ecs::EcsTarget target(session, reporter(globals));
  const auto since = duration(options.since, "--since");
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  for (const auto& line : target.logs(context.where, options.lines, now_ms - since.count())) {
    if (globals.output == OutputFormat::json) {
      std::cout << "{\"message\":" << json_quote(line) << "}\n";
    } else {
      std::cout << line << "\n";
    }
  }
  return ExitCode::ok;
}

ExitCode run_ecs_diff(const EcsDiffOptions& options, const GlobalOptions& globals) {
  auto context = context_of(options.common, globals);
  auto input = deploy_input_of(context, options.render);
  aws::Session session(context.session);
  targets::ecs::EcsTarget target(session, reporter(globals));
  for (const auto& line : target.diff(input)) {
    if (globals.output == OutputFormat::json) {
      std::cout << "{\"change\":\"" << line.kind << "\",\"path\":" << json_quote(line.path)
                << ",\"before\":" << json_quote(line.before)
                << ",\"after\":" << json_quote(line.after) << "}\n";
    } else if (line.kind == '~') {
      std::cout << "~ " << line.path << ": " << line.before << " -> " << line.after << "\n";
    } else {
      std::cout << line.kind << " " << line.path << ": "
                << (line.kind == '+' ? line.after : line.before) << "\n";
    }
  }
  return ExitCode::ok;
}

ExitCode run_ecs_verify(const EcsVerifyOptions& options, const GlobalOptions& globals) {
  auto context = context_of(options.common, globals);
  auto input = deploy_input_of(context, options.render);
  aws::Session session(context.session);
  targets::ecs::EcsTarget target(session, reporter(globals));
  bool all_ok = true;
  for (const auto& check : target.verify(input, options.target_group_arn)) {
    all_ok = all_ok && check.ok;
    if (globals.output == OutputFormat::json) {
      std::cout << "{\"check\":" << json_quote(check.name)
                << ",\"ok\":" << (check.ok ? "true" : "false")
                << ",\"detail\":" << json_quote(check.detail) << "}\n";
    } else {
      std::cout << (check.ok ? "ok    " : "FAIL  ") << check.name << ": " << check.detail << "\n";
    }
  }
  return all_ok ? ExitCode::ok : ExitCode::failed;
}

ExitCode run_ecs_cleanup(const EcsCleanupOptions& options, const GlobalOptions& globals) {
  if (options.keep == 0) {
    throw core::InputError("--keep 0 would leave nothing to roll back to; keep at least 1");
  }
  auto context = context_of(options.common, globals);
  aws::Session session(context.session);
  targets::ecs::EcsTarget target(session, reporter(globals));
  const auto result =
      target.cleanup(context.where, options.common.family, options.keep, options.dry_run);
  if (globals.output == OutputFormat::json) {
    std::cout << "{\"dry_run\":" << (options.dry_run ? "true" : "false") << ",\"deregistered\":[";
    for (std::size_t i = 0; i < result.deregistered.size(); ++i) {
      std::cout << (i ? "," : "") << json_quote(result.deregistered[i]);
    }
    std::cout << "],\"kept\":[";
    for (std::size_t i = 0; i < result.kept.size(); ++i) {
      std::cout << (i ? "," : "") << json_quote(result.kept[i]);
    }
    std::cout << "]}\n";
  } else {
    for (const auto& arn : result.deregistered) {
      std::cout << (options.dry_run ? "would deregister " : "deregistered ") << arn << "\n";
    }
    std::cout << "kept " << result.kept.size() << " revisions\n";
  }
  return ExitCode::ok;
}

void add_ecs_commands(CLI::App& app, GlobalOptions& globals, Action& action) {
  auto* group = app.add_subcommand("ecs", "Deploy to and operate the service on Amazon ECS");
  group->require_subcommand(1);

  auto deploy = std::make_shared<EcsDeployOptions>();
  auto* command = group->add_subcommand(
      "deploy",
      "Register a tagged revision for IMAGE:SHA, update the service, follow the "
      "deployment to a verdict (exit 0 ok, 3 rolled back, 4 timed out, 6 superseded)");
  add_common(command, deploy->common, false);
  add_render(command, deploy->render, true);
  add_follow(command, deploy->follow);
  command->add_flag("!--no-image-check", deploy->check_image,
                    "Do not check that the image exists in ECR (no digest is recorded)");
  command->add_flag("--pin-secret-versions", deploy->pin_secret_versions,
                    "Pin each Secrets Manager valueFrom to the version current now, so the "
                    "release records (and a rollback restores) the secret versions");
  command
      ->add_option("--log-lines", deploy->log_lines, "Log lines printed when the deployment fails")
      ->capture_default_str();
  command->callback([deploy, &globals, &action] {
    action = [deploy, &globals] { return run_ecs_deploy(*deploy, globals); };
  });

  auto rollback = std::make_shared<EcsRollbackOptions>();
  command = group->add_subcommand(
      "rollback", "Point the service at the last good release (or --to), registering nothing");
  add_common(command, rollback->common, true);
  add_follow(command, rollback->follow);
  command->add_option("--to", rollback->to,
                      "Revision number, family:revision or commit SHA (7+ hex digits) to roll "
                      "back to; default the last good release");
  command->callback([rollback, &globals, &action] {
    action = [rollback, &globals] { return run_ecs_rollback(*rollback, globals); };
  });

  auto history = std::make_shared<EcsHistoryOptions>();
  command = group->add_subcommand(
      "history", "List releases: revision, commit, outcome, when, who, image (* = current)");
  add_common(command, history->common, true);
  command->add_option("--limit", history->limit, "Newest revisions to show")->capture_default_str();
  command->callback([history, &globals, &action] {
    action = [history, &globals] { return run_ecs_history(*history, globals); };
  });

  auto status = std::make_shared<EcsStatusOptions>();
  command = group->add_subcommand("status",
                                  "Show the service, its deployments, target health and alarms");
  add_common(command, status->common, false);
  command->callback([status, &globals, &action] {
    action = [status, &globals] { return run_ecs_status(*status, globals); };
  });

  auto logs = std::make_shared<EcsLogsOptions>();
  command = group->add_subcommand("logs", "Print the service's recent log lines (CloudWatch Logs)");
  add_common(command, logs->common, false);
  command->add_option("--lines", logs->lines, "How many lines at most")->capture_default_str();
  command->add_option("--since", logs->since, "How far back, e.g. 10m, 120m")
      ->capture_default_str();
  command->callback([logs, &globals, &action] {
    action = [logs, &globals] { return run_ecs_logs(*logs, globals); };
  });

  auto diff = std::make_shared<EcsDiffOptions>();
  command = group->add_subcommand(
      "diff", "Show what a deploy of --image would change in the task definition");
  add_common(command, diff->common, false);
  add_render(command, diff->render, true);
  command->callback([diff, &globals, &action] {
    action = [diff, &globals] { return run_ecs_diff(*diff, globals); };
  });

  auto verify = std::make_shared<EcsVerifyOptions>();
  command = group->add_subcommand(
      "verify",
      "Check before a deploy: image in ECR, execution role can read every secret, log "
      "group exists, target group attached (exit 1 when a check fails)");
  add_common(command, verify->common, false);
  add_render(command, verify->render, true);
  command->add_option("--target-group", verify->target_group_arn,
                      "Target group ARN that must be attached to the service");
  command->callback([verify, &globals, &action] {
    action = [verify, &globals] { return run_ecs_verify(*verify, globals); };
  });

  auto cleanup = std::make_shared<EcsCleanupOptions>();
  command = group->add_subcommand(
      "cleanup",
      "Deregister old revisions, never those of the last --keep good releases or "
      "any in use");
  add_common(command, cleanup->common, true);
  command->add_option("--keep", cleanup->keep, "Good releases whose revisions are protected")
      ->capture_default_str();
  command->add_flag("--dry-run", cleanup->dry_run, "Only list what would be deregistered");
  command->callback([cleanup, &globals, &action] {
    action = [cleanup, &globals] { return run_ecs_cleanup(*cleanup, globals); };
  });
}

}  // namespace slipway::cli
