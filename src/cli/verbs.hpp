#pragma once
// The verb groups of `slipway`, one file each. main.cpp calls every add_* once.

#include "cli/command.hpp"

namespace slipway::cli {

// secrets get|set|list|exec (secrets.cpp)
void add_secrets_commands(CLI::App& app, GlobalOptions& globals, Action& action);

// spec: the keys of slipway.yaml, from release::spec_fields() (spec.cpp)
void add_spec_command(CLI::App& app, GlobalOptions& globals, Action& action);

// whoami: the AWS identity slipway's credentials resolve to (whoami.cpp)
void add_whoami_command(CLI::App& app, GlobalOptions& globals, Action& action);

}  // namespace slipway::cli
