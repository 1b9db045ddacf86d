#pragma once
// The deploy-side verbs of the vm target, one file each (build.cpp, deploy.cpp, rollback.cpp,
// refresh.cpp, history.cpp, status.cpp, logs.cpp, up.cpp, down.cpp, scale.cpp, prune.cpp). main.cpp
// calls add_vm_commands once.

#include "cli/command.hpp"

namespace slipway::cli {

void add_build_command(CLI::App& app, GlobalOptions& globals, Action& action);
void add_deploy_command(CLI::App& app, GlobalOptions& globals, Action& action);
void add_rollback_command(CLI::App& app, GlobalOptions& globals, Action& action);
void add_refresh_command(CLI::App& app, GlobalOptions& globals, Action& action);
void add_history_command(CLI::App& app, GlobalOptions& globals, Action& action);
void add_status_command(CLI::App& app, GlobalOptions& globals, Action& action);
void add_logs_command(CLI::App& app, GlobalOptions& globals, Action& action);
void add_up_command(CLI::App& app, GlobalOptions& globals, Action& action);
void add_down_command(CLI::App& app, GlobalOptions& globals, Action& action);
void add_scale_command(CLI::App& app, GlobalOptions& globals, Action& action);
void add_prune_command(CLI::App& app, GlobalOptions& globals, Action& action);

// Registers every verb above.
void add_vm_commands(CLI::App& app, GlobalOptions& globals, Action& action);

}  // namespace slipway::cli
