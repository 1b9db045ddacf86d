#pragma once
// ${VAR} templates for deploy/taskdef.json and deploy/service.json. Hand-written because the
// rule is ours: every ${NAME} must resolve (no silent empty strings), "$${" writes a literal "${",
// and an error names the variable, the file and the line.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace slipway::release {

// Looks a variable up; nullopt when unset.
using VariableLookup = std::function<std::optional<std::string>(const std::string& name)>;

// Returns `text` with every ${NAME} (NAME = [A-Za-z_][A-Za-z0-9_]*) replaced by lookup(NAME),
// and ${NAME:-default} by the default when NAME is unset;
// throws SpecError "FILE:LINE: ${NAME} is not set: ..." for an unset variable and
// "FILE:LINE: malformed ${...}" for an unterminated or invalid reference.
std::string render_template(std::string_view text, const VariableLookup& lookup,
                            std::string_view file_name);

// A lookup that tries `extra` first, then the process environment.
VariableLookup extra_then_environment(std::map<std::string, std::string> extra);

}  // namespace slipway::release
