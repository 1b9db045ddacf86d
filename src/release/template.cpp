#include "release/template.hpp"

#include <cctype>
#include <cstdlib>

#include "release/errors.hpp"

namespace slipway::release {
namespace {

bool name_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

}  // namespace

std::string render_template(std::string_view text, const VariableLookup& lookup,
                            std::string_view file_name) {
  std::string out;
  out.reserve(text.size());
  std::size_t line = 1;
  auto where = [&] { return std::string(file_name) + ":" + std::to_string(line) + ": "; };
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n') ++line;
    if (c == '$' && i + 2 < text.size() && text[i + 1] == '$' && text[i + 2] == '{') {
      out += "${";  // "$${" escapes a literal "${"
      i += 2;
      continue;
    }
    if (c != '$' || i + 1 >= text.size() || text[i + 1] != '{') {
      out += c;
      continue;
    }
    auto close = text.find('}', i + 2);
    auto name =
        close == std::string_view::npos ? std::string_view{} : text.substr(i + 2, close - (i + 2));
    std::optional<std::string_view> fallback;  // ${NAME:-default}
    if (auto dash = name.find(":-"); dash != std::string_view::npos) {
      fallback = name.substr(dash + 2);
      name = name.substr(0, dash);
    }
    bool valid = !name.empty() && name_start(name.front());
    for (char n : name) valid = valid && name_char(n);
    if (!valid) {
      throw SpecError(where() + "malformed variable reference \"" +
                      std::string(text.substr(i, std::min<std::size_t>(24, text.size() - i))) +
                      "\": write ${NAME} with NAME made of letters, digits and _");
    }
    auto value = lookup(std::string(name));
    if (!value && fallback) value = std::string(*fallback);
    if (!value) {
      throw SpecError(where() + "${" + std::string(name) + "} is not set: export " +
                      std::string(name) + " or pass --var " + std::string(name) +
                      "=VALUE (vm verbs also read STATE/stack.env)");
    }
    out += *value;
    i = close;
  }
  return out;
}

VariableLookup extra_then_environment(std::map<std::string, std::string> extra) {
  return [extra = std::move(extra)](const std::string& name) -> std::optional<std::string> {
    if (auto it = extra.find(name); it != extra.end()) return it->second;
    if (const char* value = std::getenv(name.c_str())) return std::string(value);
    return std::nullopt;
  };
}

}  // namespace slipway::release
