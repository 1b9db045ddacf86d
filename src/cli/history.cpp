// `slipway history`: the release ledger, newest first: revision, commit, image digest, who,
// when, outcome and why.
#include <iostream>

#include "cli/ecs_dispatch.hpp"
#include "cli/vm_context.hpp"
#include "cli/vm_verbs.hpp"
#include "release/ledger.hpp"

namespace slipway::cli {
namespace {

struct HistoryOptions {
  VmOptions vm;
  int limit = 20;
};

}  // namespace

void add_history_command(CLI::App& app, GlobalOptions& globals, Action& action) {
  auto options = std::make_shared<HistoryOptions>();
  auto* command =
      app.add_subcommand("history", "List releases: revision, commit, digest, who, when, outcome");
  command->add_option("--limit", options->limit, "Show at most this many releases, newest first")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  add_vm_options(command, options->vm, false);
  command->callback([options, &globals, &action] {
    action = [options, &globals] {
      if (auto code = history_if_ecs(options->vm, options->limit, globals)) return *code;
      auto context = make_vm_context(options->vm, globals);
      auto ledger = load_ledger(context.state_dir);
      const auto& releases = ledger.releases();
      int shown = 0;
      if (globals.output == OutputFormat::json) std::cout << "[";
      for (auto it = releases.rbegin(); it != releases.rend() && shown < options->limit;
           ++it, ++shown) {
        const auto& r = *it;
        if (globals.output == OutputFormat::json) {
          std::cout << (shown > 0 ? "," : "") << "{\"revision\":" << r.revision
                    << ",\"commit\":" << json_quote(r.commit)
                    << ",\"image\":" << json_quote(r.image)
                    << ",\"digest\":" << json_quote(r.digest) << ",\"who\":" << json_quote(r.who)
                    << ",\"when\":" << json_quote(r.when)
                    << ",\"outcome\":" << json_quote(release::to_string(r.outcome))
                    << ",\"reason\":" << json_quote(r.reason) << ",\"secret_versions\":{";
          bool first = true;
          for (const auto& [name, version] : r.secret_versions) {
            std::cout << (first ? "" : ",") << json_quote(name) << ":" << json_quote(version);
            first = false;
          }
          std::cout << "}";
          if (r.rollback_of) std::cout << ",\"rollback_of\":" << *r.rollback_of;
          // The rendered task definition: references and plain settings, never a secret value.
          if (!r.task_definition.empty()) std::cout << ",\"task_definition\":" << r.task_definition;
          std::cout << "}";
        } else {
          std::cout << r.revision << "\t" << r.commit.substr(0, 12) << "\t"
                    << release::to_string(r.outcome) << "\t" << r.when << "\t" << r.who << "\t"
                    << (r.digest.size() > 19 ? r.digest.substr(0, 19) : r.digest)
                    << (r.reason.empty() ? "" : "\t" + r.reason) << "\n";
        }
      }
      if (globals.output == OutputFormat::json) std::cout << "]\n";
      return ExitCode::ok;
    };
  });
}

}  // namespace slipway::cli
