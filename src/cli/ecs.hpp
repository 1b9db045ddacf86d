#pragma once
// `slipway ecs deploy|rollback|history|status|logs|diff|verify|cleanup`: the ECS target with the
// flags only ECS has (--cluster, --terraform-dir, --no-wait, per-phase timeouts, ...). Each action
// is a plain function of an options struct. make_ecs_target() also serves the top-level verbs
// (cli/target_factory.hpp) when slipway.yaml says `target: ecs`.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "targets/ecs/ecs_release_target.hpp"

namespace slipway::cli {

// What every ecs action needs to find the service.
struct EcsCommonOptions {
  std::string spec_file = "slipway.yaml";  // optional when --cluster and --service are given
  std::string cluster;                     // default: ecs.cluster of the spec
  std::string service;                     // default: service of the spec
  std::string family;                      // default: the service's task definition family
  bool real_aws = false;                   // ignore ecs.endpoint of the spec
};

// What renders the task definition.
struct EcsRenderOptions {
  std::string image;                   // REPOSITORY:SHA
  std::string terraform_dir;           // `terraform output -json` values, when set
  std::vector<std::string> variables;  // NAME=VALUE, before outputs and the environment
};

struct EcsFollowOptions {
  bool wait = true;
  std::string start_timeout = "auto";  // 5m, longer when the circuit breaker needs it
  std::string rollout_timeout = "15m";
  std::string bake_time = "0s";
  std::string poll_interval = "5s";
};

struct EcsDeployOptions {
  EcsCommonOptions common;
  EcsRenderOptions render;
  EcsFollowOptions follow;
  bool check_image = true;
  bool pin_secret_versions = false;
  std::size_t log_lines = 20;
};

struct EcsRollbackOptions {
  EcsCommonOptions common;
  EcsFollowOptions follow;
  std::string to;  // "" = last good release
};

struct EcsHistoryOptions {
  EcsCommonOptions common;
  std::size_t limit = 20;
};

struct EcsStatusOptions {
  EcsCommonOptions common;
};

struct EcsLogsOptions {
  EcsCommonOptions common;
  std::size_t lines = 50;
  std::string since = "60m";
};

struct EcsDiffOptions {
  EcsCommonOptions common;
  EcsRenderOptions render;
};

struct EcsVerifyOptions {
  EcsCommonOptions common;
  EcsRenderOptions render;
  std::string target_group_arn;
};

struct EcsCleanupOptions {
  EcsCommonOptions common;
  std::size_t keep = 5;
  bool dry_run = false;
};

// Where progress lines go as text: `slipway ecs` prints them on stdout, the top-level verbs on
// stderr (as the vm target does). With --output json they are events on stdout either way.
enum class ProgressStream { stdout_text, stderr_text };

// The ECS target of `common`'s spec and flags: region and endpoint from the flags, the
// environment, then the spec (aws::SessionOptions' fallbacks); variables from --terraform-dir
// then --var. Throws core::InputError for a missing spec, a bad --var or duration.
std::unique_ptr<targets::ecs::EcsReleaseTarget> make_ecs_target(const EcsCommonOptions& common,
                                                                const EcsRenderOptions& render,
                                                                const EcsFollowOptions& follow,
                                                                const GlobalOptions& globals,
                                                                ProgressStream progress);

// Each runs one action and returns its exit code; output goes to stdout as text or JSON lines
// per globals.output. Errors are thrown (run() maps them).
ExitCode run_ecs_deploy(const EcsDeployOptions& options, const GlobalOptions& globals);
ExitCode run_ecs_rollback(const EcsRollbackOptions& options, const GlobalOptions& globals);
ExitCode run_ecs_history(const EcsHistoryOptions& options, const GlobalOptions& globals);
ExitCode run_ecs_status(const EcsStatusOptions& options, const GlobalOptions& globals);
ExitCode run_ecs_logs(const EcsLogsOptions& options, const GlobalOptions& globals);
ExitCode run_ecs_diff(const EcsDiffOptions& options, const GlobalOptions& globals);
ExitCode run_ecs_verify(const EcsVerifyOptions& options, const GlobalOptions& globals);
ExitCode run_ecs_cleanup(const EcsCleanupOptions& options, const GlobalOptions& globals);

// The ecs verb group.
void add_ecs_commands(CLI::App& app, GlobalOptions& globals, Action& action);

}  // namespace slipway::cli
