#include <boost/json.hpp>
#include <iostream>

#include "aws/errors.hpp"
#include "cli/command.hpp"
#include "cli/output.hpp"
#include "core/cancellation.hpp"
#include "core/errors.hpp"
#include "core/json_escape.hpp"
#include "core/redaction.hpp"
#include "release/errors.hpp"

namespace slipway::cli {
namespace {

ExitCode exit_code_of(const std::exception& error) {
  if (dynamic_cast<const core::Cancelled*>(&error) != nullptr) return ExitCode::interrupted;
  if (dynamic_cast<const release::LockedError*>(&error) != nullptr) return ExitCode::locked;
  if (dynamic_cast<const core::InputError*>(&error) != nullptr) return ExitCode::usage;
  if (dynamic_cast<const aws::AwsError*>(&error) != nullptr) return ExitCode::aws_error;
  return ExitCode::failed;
}

void print_error(const GlobalOptions& globals, std::string_view message, ExitCode code) {
  // Redacted: an error message is the likeliest place for a value to slip through.
  const auto line = core::redact(message);
  if (globals.output == OutputFormat::json) {
    print_json_line(std::cerr, boost::json::object{{"error", line}, {"exit_code", to_int(code)}});
  } else {
    std::cerr << "slipway: error: " << line << "\n";
  }
}

}  // namespace

aws::SessionOptions GlobalOptions::session_options() const {
  aws::SessionOptions options;
  options.region = region;
  options.endpoint_url = endpoint_url;
  options.profile = profile;
  return options;
}

std::string json_quote(std::string_view text) {
  std::string out = "\"";
  core::append_json_escaped(out, text);
  out += '"';
  return out;
}

void add_global_options(CLI::App& app, GlobalOptions& globals) {
  // Global options may be written after the verb too: `slipway secrets get X --output json`.
  app.fallthrough();
  app.add_option_function<std::string>(
         "--output,-o",
         [&globals](const std::string& value) {
           globals.output = value == "json" ? OutputFormat::json : OutputFormat::text;
         },
         "Result format on stdout: text (default) or json")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_option("--endpoint-url", globals.endpoint_url,
                 "AWS endpoint for every service (e.g. http://127.0.0.1:4566 for moto); wins over "
                 "AWS_ENDPOINT_URL_<SERVICE> and AWS_ENDPOINT_URL");
  app.add_option("--region", globals.region,
                 "AWS region; default AWS_REGION, AWS_DEFAULT_REGION, then the profile");
  app.add_option("--profile", globals.profile,
                 "Profile of ~/.aws/credentials and ~/.aws/config; default AWS_PROFILE");
}

int run(CLI::App& app, int argc, char** argv, GlobalOptions& globals, Action& action) {
  std::vector<std::string> own;  // CLI11 wants them in reverse order
  int split = argc;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--") {
      split = i;
      break;
    }
  }
  for (int i = split + 1; i < argc; ++i) globals.after_double_dash.emplace_back(argv[i]);
  for (int i = split - 1; i >= 1; --i) own.emplace_back(argv[i]);
  try {
    app.parse(own);
    if (!globals.after_double_dash.empty() && !globals.takes_command) {
      throw CLI::ExtrasError({globals.after_double_dash});
    }
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);  // prints help or the usage error
    return code == 0 ? 0 : to_int(ExitCode::usage);
  }
  if (!action) {
    std::cerr << app.help();
    return to_int(ExitCode::usage);
  }
  try {
    // From here on SIGINT/SIGTERM are a cancellation the waits observe: locks and tags are
    // released on the way out and the exit code is 130.
    core::cancel_on_signals();
    return to_int(action());
  } catch (const std::exception& error) {
    const auto code = exit_code_of(error);
    print_error(globals, error.what(), code);
    return to_int(code);
  }
}

}  // namespace slipway::cli
