// The `slipway` command: global options, then one line per verb group (see
// cli/verbs.hpp).
#include "cli/ecs.hpp"
#include "cli/verbs.hpp"
#include "cli/vm_verbs.hpp"

int main(int argc, char** argv) {
  using namespace slipway::cli;
  CLI::App app{
      "slipway: ship one service with immutable releases, runtime "
      "secrets and rollbacks"};
  app.require_subcommand(0, 1);
  GlobalOptions globals;
  Action action;
  add_global_options(app, globals);
  add_secrets_commands(app, globals, action);
  add_whoami_command(app, globals, action);
  add_spec_command(app, globals, action);
  add_vm_commands(app, globals, action);
  add_ecs_commands(app, globals, action);
  return run(app, argc, argv, globals, action);
}
