// `slipway ecs ...`: the ECS target's actions (targets/ecs) with their flags.
#include "cli/ecs.hpp"

#include <boost/json.hpp>
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/output.hpp"
#include "cli/vm_context.hpp"
#include "core/env.hpp"
#include "core/errors.hpp"
#include "release/spec.hpp"
#include "targets/ecs/render.hpp"

namespace slipway::cli {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using targets::ecs::EcsReleaseTarget;

std::chrono::milliseconds duration(const std::string& text, std::string_view flag) {
  const auto parsed = core::parse_duration(text);
  if (!parsed) {
    throw core::InputError(std::string(flag) + " " + text +
                           ": not a duration; write e.g. 500ms, 30s, 5m");
  }
  return *parsed;
}

// Progress: text lines on `text_out`, or {"event":KIND,"message":...,FIELDS} lines on stdout
// (a `stage` event carries stage, strategy, status and traffic).
targets::ecs::Report reporter(const GlobalOptions& globals, ProgressStream progress) {
  const bool json_events = globals.output == OutputFormat::json;
  auto& text_out = progress == ProgressStream::stderr_text ? std::cerr : std::cout;
  return [json_events, &text_out](std::string_view kind, const std::string& message,
                                  const json::object& fields) {
    if (json_events) {
      json::object event{{"event", kind}, {"message", message}};
      for (const auto& [key, value] : fields) event[key] = value;
      print_json_line(std::cout, event);
    } else {
      text_out << message << std::endl;
    }
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

}  // namespace

std::unique_ptr<EcsReleaseTarget> make_ecs_target(const EcsCommonOptions& common,
                                                  const EcsRenderOptions& render,
                                                  const EcsFollowOptions& follow,
                                                  const GlobalOptions& globals,
                                                  ProgressStream progress) {
  targets::ecs::EcsReleaseSettings settings;
  const bool spec_needed = common.cluster.empty() || common.service.empty();
  if (fs::exists(common.spec_file)) {
    settings.spec = release::load_spec(common.spec_file);
    settings.base_dir = fs::absolute(common.spec_file).parent_path().string();
  } else if (spec_needed || common.spec_file != "slipway.yaml") {
    throw core::InputError(common.spec_file +
                           " not found; run from the service's directory, "
                           "pass --spec FILE, or give --cluster and --service");
  }
  settings.where.cluster = common.cluster.empty() ? settings.spec.ecs.cluster : common.cluster;
  settings.where.service = common.service.empty() ? settings.spec.service : common.service;
  settings.family = common.family;
  if (!render.terraform_dir.empty()) {
    settings.variables = targets::ecs::terraform_outputs(render.terraform_dir);
  }
  for (const auto& assignment : render.variables) {
    auto [name, value] = core::parse_assignment(assignment, "--var");
    settings.variables[std::move(name)] = std::move(value);
  }
  settings.wait = follow.wait;
  settings.timeouts = timeouts_of(follow);
  settings.poll_interval = duration(follow.poll_interval, "--poll-interval");
  // The spec's region and endpoint (moto) are the last resort: the flags and the environment,
  // AWS_ENDPOINT_URL_<SERVICE> included, win; --real-aws drops the endpoint.
  auto session = globals.session_options();
  if (!settings.spec.ecs.region.empty()) session.fallback_region = settings.spec.ecs.region;
  if (!settings.spec.ecs.endpoint.empty() && !common.real_aws) {
    session.fallback_endpoint_url = settings.spec.ecs.endpoint;
  }
  settings.current_versions = make_current_versions(session);
  return std::make_unique<EcsReleaseTarget>(session, std::move(settings),
                                            reporter(globals, progress));
}

namespace {

std::unique_ptr<EcsReleaseTarget> ecs_target(const EcsCommonOptions& common,
                                             const GlobalOptions& globals,
                                             const EcsRenderOptions& render = {},
                                             const EcsFollowOptions& follow = {}) {
  return make_ecs_target(common, render, follow, globals, ProgressStream::stdout_text);
}

}  // namespace

ExitCode run_ecs_deploy(const EcsDeployOptions& options, const GlobalOptions& globals) {
  auto target = ecs_target(options.common, globals, options.render, options.follow);
  auto& settings = target->settings();
  settings.check_image = options.check_image;
  settings.pin_secret_versions = options.pin_secret_versions;
  settings.log_lines_on_failure = options.log_lines;
  return print_rollout(target->deploy(options.render.image), globals);
}

ExitCode run_ecs_rollback(const EcsRollbackOptions& options, const GlobalOptions& globals) {
  auto target = ecs_target(options.common, globals, {}, options.follow);
  return print_rollout(
      target->rollback(options.to.empty() ? std::nullopt : std::optional(options.to)), globals);
}

ExitCode run_ecs_history(const EcsHistoryOptions& options, const GlobalOptions& globals) {
  print_history(ecs_target(options.common, globals)->history(options.limit), globals);
  return ExitCode::ok;
}

ExitCode run_ecs_status(const EcsStatusOptions& options, const GlobalOptions& globals) {
  print_status(ecs_target(options.common, globals)->status(), globals);
  return ExitCode::ok;
}

ExitCode run_ecs_logs(const EcsLogsOptions& options, const GlobalOptions& globals) {
  auto target = ecs_target(options.common, globals);
  target->settings().logs_since = duration(options.since, "--since");
  for (const auto& line : target->logs(options.lines)) {
    if (globals.output == OutputFormat::json) {
      print_json_line(std::cout, json::object{{"message", line}});
    } else {
      std::cout << line << "\n";
    }
  }
  std::cout << std::flush;
  return ExitCode::ok;
}

ExitCode run_ecs_diff(const EcsDiffOptions& options, const GlobalOptions& globals) {
  auto target = ecs_target(options.common, globals, options.render);
  for (const auto& line : target->driver().diff(target->deploy_input(options.render.image))) {
    if (globals.output == OutputFormat::json) {
      print_json_line(std::cout, json::object{{"change", std::string(1, line.kind)},
                                              {"path", line.path},
                                              {"before", line.before},
                                              {"after", line.after}});
    } else if (line.kind == '~') {
      std::cout << "~ " << line.path << ": " << line.before << " -> " << line.after << "\n";
    } else {
      std::cout << line.kind << " " << line.path << ": "
                << (line.kind == '+' ? line.after : line.before) << "\n";
    }
  }
  std::cout << std::flush;
  return ExitCode::ok;
}

ExitCode run_ecs_verify(const EcsVerifyOptions& options, const GlobalOptions& globals) {
  auto target = ecs_target(options.common, globals, options.render);
  bool all_ok = true;
  for (const auto& check : target->driver().verify(target->deploy_input(options.render.image),
                                                   options.target_group_arn)) {
    all_ok = all_ok && check.ok;
    if (globals.output == OutputFormat::json) {
      print_json_line(
          std::cout,
          json::object{{"check", check.name}, {"ok", check.ok}, {"detail", check.detail}});
    } else {
      std::cout << (check.ok ? "ok    " : "FAIL  ") << check.name << ": " << check.detail << "\n";
    }
  }
  std::cout << std::flush;
  return all_ok ? ExitCode::ok : ExitCode::failed;
}

ExitCode run_ecs_cleanup(const EcsCleanupOptions& options, const GlobalOptions& globals) {
  if (options.keep == 0) {
    throw core::InputError("--keep 0 would leave nothing to roll back to; keep at least 1");
  }
  auto target = ecs_target(options.common, globals);
  const auto result = target->driver().cleanup(target->settings().where, options.common.family,
                                               options.keep, options.dry_run);
  if (globals.output == OutputFormat::json) {
    json::array deregistered(result.deregistered.begin(), result.deregistered.end());
    json::array kept(result.kept.begin(), result.kept.end());
    print_json_line(std::cout, json::object{{"dry_run", options.dry_run},
                                            {"deregistered", std::move(deregistered)},
                                            {"kept", std::move(kept)}});
  } else {
    for (const auto& arn : result.deregistered) {
      std::cout << (options.dry_run ? "would deregister " : "deregistered ") << arn << "\n";
    }
    std::cout << "kept " << result.kept.size() << " revisions" << std::endl;
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
