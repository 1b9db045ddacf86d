#pragma once
// What every verb file shares: the global options, the output mode, and how a verb hands its
// work to the dispatcher. A verb group registers its subcommands on the App and, in each
// subcommand's callback, stores the function to run in `Action`; main.cpp runs it once parsing
// succeeded (so --help and usage errors never start any work).

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "aws/session.hpp"
#include "cli/exit_codes.hpp"

namespace slipway::cli {

enum class OutputFormat { text, json };

struct GlobalOptions {
  OutputFormat output = OutputFormat::text;
  std::optional<std::string> endpoint_url;
  std::optional<std::string> region;
  std::optional<std::string> profile;
  // Arguments after the first "--", kept away from CLI11 so a command's own flags are never
  // parsed as slipway's. Only a verb that sets `takes_command` accepts them.
  std::vector<std::string> after_double_dash;
  bool takes_command = false;

  // The AWS session options these flags describe.
  aws::SessionOptions session_options() const;
};

using Action = std::function<ExitCode()>;

// Adds --output, --endpoint-url, --region, --profile to `app`.
void add_global_options(CLI::App& app, GlobalOptions& globals);

// Parses argv, runs the chosen Action, maps any exception to an exit code and prints it as one
// redacted line on stderr ({"error":...} with --output json). Returns the process exit code.
int run(CLI::App& app, int argc, char** argv, GlobalOptions& globals, Action& action);

// Returns `text` as a JSON string literal (with quotes).
std::string json_quote(std::string_view text);

}  // namespace slipway::cli
