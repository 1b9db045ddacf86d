#include "core/dotenv.hpp"

#include <cctype>
#include <fstream>
#include <sstream>

#include "core/errors.hpp"

namespace slipway::core {
namespace {

bool valid_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front()))) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

std::string_view trim_left(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  return text;
}

std::string_view trim(std::string_view text) {
  text = trim_left(text);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

}  // namespace

EnvEntries parse_dotenv(std::string_view text, std::string_view origin) {
  EnvEntries entries;
  std::size_t line_number = 0;
  std::size_t pos = 0;
  auto fail = [&](std::size_t line, const std::string& why) {
    return InputError(std::string(origin) + ":" + std::to_string(line) + ": " + why);
  };
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    auto line = trim(text.substr(pos, end - pos));
    const auto start_line = ++line_number;
    pos = end + 1;
    if (line.empty() || line.front() == '#') continue;
    if (line.starts_with("export ") || line.starts_with("export\t"))
      line = trim_left(line.substr(7));
    const auto equals = line.find('=');
    if (equals == std::string_view::npos) {
      throw fail(start_line, "expected NAME=VALUE (no '=' on this line)");
    }
    const auto name = trim(line.substr(0, equals));
    if (!valid_name(name)) {
      throw fail(start_line, "\"" + std::string(name.substr(0, 64)) +
                                 "\" is not a variable name: use letters, digits and _");
    }
    auto raw = trim_left(line.substr(equals + 1));
    std::string value;
    if (!raw.empty() && (raw.front() == '\'' || raw.front() == '"')) {
      const char quote = raw.front();
      // A quoted value may span lines: scan the whole text from the opening quote.
      std::size_t i = static_cast<std::size_t>(raw.data() - text.data()) + 1;
      bool closed = false;
      for (; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\n') ++line_number;
        if (c == quote) {
          closed = true;
          break;
        }
        if (quote == '"' && c == '\\' && i + 1 < text.size()) {
          const char next = text[++i];
          switch (next) {
            case 'n':
              value.push_back('\n');
              break;
            case 't':
              value.push_back('\t');
              break;
            case 'r':
              value.push_back('\r');
              break;
            case '"':
              value.push_back('"');
              break;
            case '\\':
              value.push_back('\\');
              break;
            default:
              value.push_back('\\');
              value.push_back(next);
          }
          continue;
        }
        value.push_back(c);
      }
      if (!closed) {
        throw fail(start_line, "the value of " + std::string(name) + " has no closing " +
                                   std::string(1, quote) + ": close the quote");
      }
      // After the closing quote only spaces and a comment may follow on that line.
      auto line_end = text.find('\n', i + 1);
      if (line_end == std::string_view::npos) line_end = text.size();
      auto after = trim(text.substr(i + 1, line_end - i - 1));
      if (!after.empty() && after.front() != '#') {
        throw fail(line_number, "unexpected text after the closing quote of " + std::string(name) +
                                    ": quote the whole value");
      }
      pos = line_end + 1;
    } else {
      // Unquoted: a " #" starts a comment; the rest is literal.
      auto comment = raw.find(" #");
      if (comment == std::string_view::npos) comment = raw.find("\t#");
      value = std::string(trim(raw.substr(0, comment)));
    }
    entries.emplace_back(std::string(name), std::move(value));
  }
  return entries;
}

EnvEntries load_dotenv_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot read " + path + ": check the path and its permissions");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse_dotenv(buffer.str(), path);
}

}  // namespace slipway::core
