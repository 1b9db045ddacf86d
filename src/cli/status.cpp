// `slipway status`: the release in service, every replica (engine view, health probe, HAProxy
// state and counters), and where to reach the service and its metrics.
#include <iostream>

#include "cli/ecs_dispatch.hpp"
#include "cli/vm_context.hpp"
#include "cli/vm_verbs.hpp"

namespace slipway::cli {

void add_status_command(CLI::App& app, GlobalOptions& globals, Action& action) {
  auto options = std::make_shared<VmOptions>();
  auto* command =
      app.add_subcommand("status", "Show the release, replicas, health and HAProxy counters");
  add_vm_options(command, *options, false);
  command->callback([options, &globals, &action] {
    action = [options, &globals] {
      if (auto code = status_if_ecs(*options, globals)) return *code;
      auto context = make_vm_context(*options, globals);
      auto report = context.target->status();
      const auto& state = report.state;
      if (globals.output == OutputFormat::json) {
        std::cout << "{\"service\":" << json_quote(context.spec.service)
                  << ",\"haproxy_running\":" << (report.haproxy_running ? "true" : "false")
                  << ",\"listener\":" << json_quote(report.listener)
                  << ",\"metrics\":" << json_quote(report.metrics) << ",\"current\":";
        if (state.current) {
          std::cout << "{\"revision\":" << state.current->revision
                    << ",\"commit\":" << json_quote(state.current->commit)
                    << ",\"image\":" << json_quote(state.current->image) << "}";
        } else {
          std::cout << "null";
        }
        std::cout << ",\"replicas\":[";
        bool first = true;
        for (const auto& r : report.replicas) {
          std::cout << (first ? "" : ",") << "{\"name\":" << json_quote(r.replica.name)
                    << ",\"revision\":" << r.replica.revision << ",\"port\":" << r.replica.port
                    << ",\"running\":" << (r.running ? "true" : "false")
                    << ",\"restarts\":" << r.restarts
                    << ",\"health\":" << (r.probe_status ? std::to_string(*r.probe_status) : "null")
                    << ",\"backup\":" << (r.replica.backup ? "true" : "false")
                    << ",\"haproxy_status\":" << json_quote(r.haproxy_status)
                    << ",\"sessions\":" << r.current_sessions << ",\"responses\":" << r.responses
                    << ",\"responses_5xx\":" << r.responses_5xx << "}";
          first = false;
        }
        std::cout << "]}" << std::endl;
        return ExitCode::ok;
      }
      std::cout << context.spec.service << " on " << report.listener << " (HAProxy "
                << (report.haproxy_running ? "running" : "stopped") << ", metrics "
                << report.metrics << ")\n";
      if (state.current) {
        std::cout << "release: revision " << state.current->revision << " " << state.current->image
                  << "\n";
      } else {
        std::cout << "release: none deployed\n";
      }
      for (const auto& r : report.replicas) {
        std::cout << "  " << r.replica.name << "\tport " << r.replica.port << "\t"
                  << (r.running ? "running" : "gone") << "\trestarts " << r.restarts << "\thealth "
                  << (r.probe_status ? std::to_string(*r.probe_status) : "-") << "\thaproxy "
                  << (r.haproxy_status.empty() ? "-" : r.haproxy_status)
                  << (r.replica.backup ? " (backup)" : "") << "\tsessions " << r.current_sessions
                  << "\t5xx " << r.responses_5xx << "/" << r.responses << "\n";
      }
      return ExitCode::ok;
    };
  });
}

}  // namespace slipway::cli
