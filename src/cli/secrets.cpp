// `slipway secrets get|set|rotate|import|list|exec`: the secret store from the command line. Values
// are printed only by an explicit `get`; `exec` puts them in the environment of a program it execs.
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "aws/errors.hpp"
#include "aws/secretsmanager.hpp"
#include "aws/ssm.hpp"
#include "cli/output.hpp"
#include "cli/verbs.hpp"
#include "cli/vm_context.hpp"
#include "core/dotenv.hpp"
#include "core/env.hpp"
#include "core/errors.hpp"
#include "core/redaction.hpp"
#include "release/template.hpp"
#include "secrets/reference.hpp"
#include "secrets/resolver.hpp"
#include "secrets/session_resolver.hpp"
#include "secrets/writer.hpp"

namespace slipway::cli {
namespace {

// The local stack's settings (STATE/stack.env: its AWS endpoint, region and moto's test
// credentials), loaded as every vm verb loads them, so `slipway secrets rotate` in a fresh shell
// reaches the Secrets Manager `make up` seeded; the environment and the flags still win. Not for
// `exec`, the containers' entrypoint, which gets its settings from its task definition.
void in_local_stack() {
  load_stack_environment(core::env_string("SLIPWAY_STATE_DIR").value_or(".state"));
}

namespace json = boost::json;

struct GetOptions {
  std::string reference;
  std::string from = "auto";
};

struct SetOptions {
  std::string name;
  std::optional<std::string> value;
  std::optional<std::string> from_file;
  bool ssm = false;
  std::string parameter_type = "SecureString";
  std::string description;
};

struct ImportOptions {
  std::string env_file;
  std::string prefix;
  bool ssm = false;
  bool print_env = false;
};

struct RotateOptions {
  std::string name;
  std::optional<std::string> from_file;
  bool ssm = false;
};

struct ListOptions {
  std::optional<std::string> ssm_path;
};

struct ExecOptions {
  std::optional<std::string> task_definition;
  std::string container;
  std::vector<std::string> env;
  std::optional<std::string> env_file;
  std::vector<std::string> command;
};

// Resolves `requests` with an AWS session only when a reference needs one.
std::vector<secrets::ResolvedSecret> resolve(const GlobalOptions& globals,
                                             const std::vector<secrets::SecretRequest>& requests) {
  return secrets::resolve_secrets(requests, globals.session_options());
}

std::string read_value_file(const std::string& path) {
  std::stringstream buffer;
  if (path == "-") {
    buffer << std::cin.rdbuf();
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw core::InputError("cannot read --from-file " + path + ": check the path");
    buffer << in.rdbuf();
  }
  auto value = buffer.str();
  if (value.ends_with('\n')) value.pop_back();
  return value;
}

// Reads one line from the terminal with echo off, so the value never shows on screen.
std::string prompt_hidden(const std::string& prompt) {
  std::cerr << prompt << std::flush;
  termios saved{};
  const bool terminal = ::tcgetattr(STDIN_FILENO, &saved) == 0;
  if (terminal) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string value;
  std::getline(std::cin, value);
  if (terminal) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
  std::cerr << "\n";
  return value;
}

void check_redactable(const std::string& what, const std::string& value) {
  if (value.size() < core::kMinRedactableLength) {
    throw core::InputError("the value for " + what + " is shorter than " +
                           std::to_string(core::kMinRedactableLength) +
                           " characters: too short to be redacted from logs; use a longer secret");
  }
}

json::object written_json(const std::string& name, bool ssm,
                          const secrets::WrittenSecret& written) {
  return {{"name", name},
          {"store", ssm ? "ssm" : "secretsmanager"},
          {"action", written.action},
          {"arn", written.arn},
          {"version", written.version}};
}

ExitCode run_get(const GlobalOptions& globals, const GetOptions& options) {
  std::string value;
  if (options.from == "secretsmanager") {
    aws::Session session(globals.session_options());
    auto secret = aws::SecretsManagerClient(session).get_secret_value(options.reference);
    if (!secret.secret_string) {
      throw core::InputError("secret " + options.reference +
                             " is binary: slipway reads only "
                             "SecretString secrets");
    }
    value = *secret.secret_string;
  } else if (options.from == "ssm") {
    aws::Session session(globals.session_options());
    value = aws::SsmClient(session).get_parameter(options.reference, true).value;
  } else {
    value = resolve(globals, {{"VALUE", options.reference}}).front().value;
  }
  core::register_secret(value);
  if (globals.output == OutputFormat::json) {
    print_json_line(std::cout, json::object{{"reference", options.reference}, {"value", value}});
  } else {
    std::cout << value << "\n";
  }
  return ExitCode::ok;
}

ExitCode run_set(const GlobalOptions& globals, const SetOptions& options) {
  if (options.value && options.from_file) {
    throw core::InputError("give the value either as VALUE or with --from-file, not both");
  }
  std::string value;
  if (options.value) {
    // Said at every use, not only in the help: the value has already been exposed.
    std::cerr << "slipway: warning: the value of " << options.name
              << " was given on the command line, where other local users can read it (/proc/"
              << ::getpid()
              << "/cmdline, ps) while slipway runs, and your shell may keep it in its history; "
                 "pass it on stdin with --from-file - instead\n";
    value = *options.value;
  } else if (options.from_file) {
    value = read_value_file(*options.from_file);
  } else if (::isatty(STDIN_FILENO) == 1) {
    value = prompt_hidden("Value for " + options.name + ": ");
  } else {
    throw core::InputError("no value for " + options.name +
                           ": pass --from-file PATH (or - for stdin), or run in a terminal to be "
                           "prompted");
  }
  check_redactable(options.name, value);
  core::register_secret(value);
  aws::Session session(globals.session_options());
  const auto written = secrets::write_secret(
      session, {options.name, options.ssm, options.parameter_type, options.description}, value);
  if (globals.output == OutputFormat::json) {
    print_json_line(std::cout, written_json(options.name, options.ssm, written));
  } else {
    std::cout << options.name << " " << written.action
              << (written.arn.empty() ? "" : " " + written.arn)
              << (written.version.empty() ? "" : " version " + written.version) << "\n";
  }
  return ExitCode::ok;
}

// The version id holding `stage`, or "" when none does.
std::string version_in_stage(const aws::SecretDescription& description, const std::string& stage) {
  for (const auto& [version, stages] : description.versions) {
    if (std::find(stages.begin(), stages.end(), stage) != stages.end()) return version;
  }
  return "";
}

// A new version of an existing secret or parameter: Secrets Manager moves AWSCURRENT to it and
// AWSPREVIOUS to the version before; SSM adds a parameter version. What runs keeps its version
// until `slipway refresh` (or the app re-reads it), which `slipway status` shows.
ExitCode run_rotate(const GlobalOptions& globals, const RotateOptions& options) {
  std::string value;
  if (options.from_file) {
    value = read_value_file(*options.from_file);
  } else if (::isatty(STDIN_FILENO) == 1) {
    value = prompt_hidden("New value for " + options.name + ": ");
  } else {
    throw core::InputError("no value for " + options.name +
                           ": pass --from-file PATH (or - for stdin), or run in a terminal to be "
                           "prompted");
  }
  check_redactable(options.name, value);
  core::register_secret(value);
  aws::Session session(globals.session_options());
  std::string previous;
  std::string version;
  std::string arn;
  if (options.ssm) {
    aws::SsmClient ssm(session);
    const auto found = ssm.get_parameters({options.name}, false);
    if (found.parameters.empty()) {
      throw core::InputError("parameter " + options.name +
                             " does not exist: create it with `slipway secrets set --ssm " +
                             options.name + "`");
    }
    const auto& parameter = found.parameters.front();
    previous = std::to_string(parameter.version);
    version = std::to_string(ssm.put_parameter(options.name, value, parameter.type, true));
  } else {
    aws::SecretsManagerClient client(session);
    aws::SecretDescription description;
    try {
      description = client.describe_secret(options.name);
    } catch (const aws::ServiceError& error) {
      if (error.code() != "ResourceNotFoundException") throw;
      throw core::InputError("secret " + options.name +
                             " does not exist: create it with `slipway secrets set " +
                             options.name + "`");
    }
    arn = description.arn;
    previous = version_in_stage(description, "AWSCURRENT");
    version = client.put_secret_value(description.arn, value);
  }
  if (globals.output == OutputFormat::json) {
    print_json_line(std::cout, json::object{{"name", options.name},
                                            {"store", options.ssm ? "ssm" : "secretsmanager"},
                                            {"arn", arn},
                                            {"version", version},
                                            {"previous_version", previous}});
  } else {
    std::cout << options.name << " rotated: version " << version
              << (options.ssm ? " is the latest" : " is AWSCURRENT")
              << (previous.empty()
                      ? ""
                      : ", " + previous + (options.ssm ? " the one before" : " is AWSPREVIOUS"))
              << "\n";
    std::cerr << "slipway: what still runs the old version: `slipway status`; restart it: "
                 "`slipway refresh`\n";
  }
  return ExitCode::ok;
}

// The secret name of a .env key: API_KEY under "slipway/web/" is "slipway/web/api-key".
std::string imported_name(const std::string& prefix, const std::string& key) {
  std::string name = prefix;
  for (const char c : key) {
    name += c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return name;
}

// Every entry of a .env file into the store, as `secrets set` would write each one. All values
// are checked before the first write, so a bad entry changes nothing.
ExitCode run_import(const GlobalOptions& globals, const ImportOptions& options) {
  const auto entries = core::load_dotenv_file(options.env_file);
  if (entries.empty()) {
    throw core::InputError(options.env_file + " has no KEY=VALUE entries: nothing to import");
  }
  for (const auto& [key, value] : entries) core::register_secret(value);
  for (const auto& [key, value] : entries) {
    check_redactable(options.env_file + ": " + key, value);
  }
  aws::Session session(globals.session_options());
  json::array imported;
  for (const auto& [key, value] : entries) {
    const auto name = imported_name(options.prefix, key);
    const auto written =
        secrets::write_secret(session, {name, options.ssm, "SecureString", ""}, value);
    // What a task definition's valueFrom takes: the secret's ARN, or the parameter's name.
    const auto reference = options.ssm ? name : written.arn;
    if (globals.output == OutputFormat::json) {
      auto entry = written_json(name, options.ssm, written);
      entry["key"] = key;
      imported.push_back(std::move(entry));
    } else if (options.print_env) {
      std::cout << key << "_FROM=" << reference << "\n";
      std::cerr << "slipway: " << key << " -> " << name << " " << written.action << "\n";
    } else {
      std::cout << key << " -> " << name << " " << written.action << " " << reference << "\n";
    }
  }
  if (globals.output == OutputFormat::json) print_json_line(std::cout, imported);
  return ExitCode::ok;
}

ExitCode run_list(const GlobalOptions& globals, const ListOptions& options) {
  aws::Session session(globals.session_options());
  std::vector<std::pair<std::string, std::string>> rows;  // name, arn or type
  if (options.ssm_path) {
    for (const auto& parameter :
         aws::SsmClient(session).get_parameters_by_path(*options.ssm_path, true, false)) {
      rows.emplace_back(parameter.name, parameter.type);
    }
  } else {
    for (const auto& entry : aws::SecretsManagerClient(session).list_secrets()) {
      rows.emplace_back(entry.name, entry.arn);
    }
  }
  if (globals.output == OutputFormat::json) {
    json::array listed;
    for (const auto& [name, detail] : rows) {
      listed.push_back({{"name", name}, {options.ssm_path ? "type" : "arn", detail}});
    }
    print_json_line(std::cout, listed);
  } else {
    for (const auto& [name, detail] : rows) std::cout << name << "\t" << detail << "\n";
  }
  return ExitCode::ok;
}

ExitCode run_exec(const GlobalOptions& globals, const ExecOptions& options) {
  if (options.command.empty()) {
    throw core::InputError("no command to run: write slipway secrets exec [options] -- CMD ARGS");
  }
  // .env entries fill the environment first (never overriding what is already set), so that
  // env:// references and the program both see them.
  if (options.env_file) {
    for (const auto& [name, value] : core::load_dotenv_file(*options.env_file)) {
      ::setenv(name.c_str(), value.c_str(), 0);
    }
  }
  std::vector<secrets::SecretRequest> requests;
  if (options.task_definition) {
    // The same ${VAR} rendering as deploy (release/template.hpp): deploy/taskdef.json writes
    // valueFrom as "${API_KEY_FROM:-env://API_KEY}".
    const auto& path = *options.task_definition;
    std::ifstream in(path);
    if (!in) throw core::InputError("cannot read task definition " + path + ": check the path");
    std::stringstream text;
    text << in.rdbuf();
    const auto rendered =
        release::render_template(text.str(), release::extra_then_environment({}), path);
    requests = secrets::secrets_from_task_definition_json(rendered, path, options.container);
  }
  for (const auto& item : options.env) {
    auto [name, reference] = core::parse_assignment(item, "--env", "REFERENCE");
    requests.push_back({std::move(name), std::move(reference)});
  }
  const auto resolved = resolve(globals, requests);  // all or nothing: nothing runs on failure
  for (const auto& secret : resolved) ::setenv(secret.name.c_str(), secret.value.c_str(), 1);

  std::vector<char*> argv;
  for (const auto& arg : options.command) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  std::cout.flush();
  std::cerr.flush();
  // exec, not fork: the program takes slipway's PID, so as a container entrypoint it receives
  // SIGTERM directly and there is nothing to forward.
  ::execvp(argv[0], argv.data());
  throw core::SystemError("cannot run " + options.command.front() + ": " + std::strerror(errno));
}

}  // namespace

void add_secrets_commands(CLI::App& app, GlobalOptions& globals, Action& action) {
  auto* group = app.add_subcommand("secrets", "Read, write and inject secrets");
  group->require_subcommand(1);
  group->fallthrough();

  auto get = std::make_shared<GetOptions>();
  auto* get_command = group->add_subcommand("get", "Print the value of one secret reference");
  get_command
      ->add_option("reference", get->reference,
                   "Secrets Manager ARN (optionally :json-key:stage:id), SSM name or "
                   "ARN, env://NAME or file://PATH")
      ->required();
  get_command
      ->add_option("--from", get->from,
                   "auto: the reference decides (ECS rules); secretsmanager: REFERENCE is a "
                   "secret name or ARN; ssm: a parameter name")
      ->check(CLI::IsMember({"auto", "secretsmanager", "ssm"}));
  get_command->callback([&globals, &action, get] {
    action = [&globals, get] {
      in_local_stack();
      return run_get(globals, *get);
    };
  });

  auto set = std::make_shared<SetOptions>();
  auto* set_command = group->add_subcommand(
      "set", "Create or update a secret (Secrets Manager; --ssm for a SecureString parameter)");
  set_command->add_option("name", set->name, "Secret name (or ARN), or parameter name with --ssm")
      ->required();
  set_command->add_option("value", set->value,
                          "The value; visible in process listings, prefer --from-file");
  set_command->add_option(
      "--from-file", set->from_file,
      "Read the value from this file, or from stdin with - (default: prompt on a terminal)");
  set_command->add_flag("--ssm", set->ssm, "Write an SSM parameter instead of a secret");
  set_command->add_option("--type", set->parameter_type, "SSM parameter type (with --ssm)")
      ->check(CLI::IsMember({"SecureString", "String"}));
  set_command->add_option("--description", set->description, "Description of a new secret");
  set_command->callback([&globals, &action, set] {
    action = [&globals, set] {
      in_local_stack();
      return run_set(globals, *set);
    };
  });

  auto import = std::make_shared<ImportOptions>();
  auto* import_command = group->add_subcommand(
      "import", "Write every entry of a .env file as a secret (what `make up` seeds locally)");
  import_command->add_option("env_file", import->env_file, ".env file (KEY=VALUE lines)")
      ->required();
  import_command
      ->add_option("--prefix", import->prefix,
                   "Prepended to each name: API_KEY under --prefix slipway/web/ is "
                   "slipway/web/api-key")
      ->required();
  import_command->add_flag("--ssm", import->ssm,
                           "Write SecureString parameters instead (the prefix starts with /)");
  import_command->add_flag("--print-env", import->print_env,
                           "Print KEY_FROM=REFERENCE lines for a task definition's ${KEY_FROM}");
  import_command->callback([&globals, &action, import] {
    action = [&globals, import] {
      in_local_stack();
      return run_import(globals, *import);
    };
  });

  auto rotate = std::make_shared<RotateOptions>();
  auto* rotate_command = group->add_subcommand(
      "rotate",
      "Put a new version of an existing secret (the old one becomes AWSPREVIOUS) or parameter; "
      "`slipway refresh` then restarts what runs the old one");
  rotate_command
      ->add_option("name", rotate->name, "Secret name or ARN, or parameter name with --ssm")
      ->required();
  rotate_command->add_option(
      "--from-file", rotate->from_file,
      "Read the new value from this file, or from stdin with - (default: prompt on a terminal)");
  rotate_command->add_flag("--ssm", rotate->ssm, "Rotate an SSM parameter instead of a secret");
  rotate_command->callback([&globals, &action, rotate] {
    action = [&globals, rotate] {
      in_local_stack();
      return run_rotate(globals, *rotate);
    };
  });

  auto list = std::make_shared<ListOptions>();
  auto* list_command = group->add_subcommand("list", "List secret names and ARNs (never values)");
  list_command->add_option("--ssm-path", list->ssm_path,
                           "List SSM parameter names under this path instead");
  list_command->callback([&globals, &action, list] {
    action = [&globals, list] {
      in_local_stack();
      return run_list(globals, *list);
    };
  });

  auto exec = std::make_shared<ExecOptions>();
  auto* exec_command = group->add_subcommand(
      "exec", "Resolve secrets into the environment and exec a command (a container entrypoint)");
  exec_command->add_option("--task-definition", exec->task_definition,
                           "RegisterTaskDefinition JSON whose container `secrets` to resolve");
  exec_command->add_option("--container", exec->container,
                           "Container of the task definition (default: the first with secrets)");
  exec_command->add_option("--env", exec->env, "NAME=REFERENCE, repeatable");
  exec_command->add_option("--env-file", exec->env_file,
                           ".env file loaded first (does not override the environment)");
  exec_command->footer("The command follows \"--\": slipway secrets exec [OPTIONS] -- CMD ARGS...");
  exec_command->callback([&globals, &action, exec] {
    globals.takes_command = true;
    exec->command = globals.after_double_dash;
    action = [&globals, exec] { return run_exec(globals, *exec); };
  });
}

}  // namespace slipway::cli
