// `slipway spec`: every key slipway.yaml accepts, with its type, default and meaning — the list an
// "unknown key" error points to. The table lives in release/spec.cpp, next to the reader that
// enforces it, so the two cannot drift apart.
#include "release/spec.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <iomanip>
#include <iostream>

#include "cli/verbs.hpp"

namespace slipway::cli {
namespace {

// ", default 8080"; ", required" for a field without one; nothing for an empty default.
std::string default_text(std::string_view default_value) {
  if (default_value.empty()) return "";
  if (default_value == "(required)") return ", required";
  return ", default " + std::string(default_value);
}

}  // namespace

void add_spec_command(CLI::App& app, GlobalOptions& globals, Action& action) {
  auto* command = app.add_subcommand(
      "spec", "List the keys of slipway.yaml: type, default and meaning of each");
  command->callback([&globals, &action] {
    action = [&globals] {
      const auto& fields = release::spec_fields();
      if (globals.output == OutputFormat::json) {
        boost::json::array rows;
        for (const auto& field : fields) {
          rows.push_back({{"key", field.key},
                          {"type", field.type},
                          {"default", field.default_value},
                          {"description", field.description}});
        }
        std::cout << boost::json::serialize(rows) << "\n";
        return ExitCode::ok;
      }
      std::size_t key_width = 0;
      for (const auto& field : fields) key_width = std::max(key_width, field.key.size());
      for (const auto& field : fields) {
        std::cout << std::left << std::setw(static_cast<int>(key_width) + 2) << field.key
                  << field.type << default_text(field.default_value) << "\n"
                  << std::string(key_width + 2, ' ') << field.description << "\n";
      }
      return ExitCode::ok;
    };
  });
}

}  // namespace slipway::cli
