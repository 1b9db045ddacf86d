#include "aws/config_file.hpp"

#include <fstream>
#include <sstream>

#include "aws/errors.hpp"
#include "core/env.hpp"

namespace slipway::aws {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

std::string home_path(const char* relative) {
  auto home = core::env_string("HOME");
  return (home ? *home : std::string("")) + relative;
}

}  // namespace

IniFile parse_ini(std::string_view text, std::string_view origin) {
  IniFile file;
  std::string section;
  std::size_t line_number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    auto line = trim(text.substr(start, end - start));
    start = end + 1;
    ++line_number;
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      if (line.back() != ']') {
        throw ConfigError(std::string(origin) + ":" + std::to_string(line_number) +
                          ": section header is missing ']': write it as [name]");
      }
      section = std::string(trim(line.substr(1, line.size() - 2)));
      file[section];
      continue;
    }
    const auto equals = line.find('=');
    if (equals == std::string_view::npos) {
      // Nested values ("s3 =\n  key = v") are indented continuation lines: skip them.
      continue;
    }
    if (section.empty()) {
      throw ConfigError(std::string(origin) + ":" + std::to_string(line_number) +
                        ": setting outside any [profile] section: put it under a section");
    }
    file[section][std::string(trim(line.substr(0, equals)))] =
        std::string(trim(line.substr(equals + 1)));
  }
  return file;
}

IniFile read_ini_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {};
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse_ini(buffer.str(), path);
}

std::string credentials_file_path() {
  auto path = core::env_string("AWS_SHARED_CREDENTIALS_FILE");
  return path ? *path : home_path("/.aws/credentials");
}

std::string config_file_path() {
  auto path = core::env_string("AWS_CONFIG_FILE");
  return path ? *path : home_path("/.aws/config");
}

std::string effective_profile(const std::optional<std::string>& profile) {
  if (profile && !profile->empty()) return *profile;
  auto env = core::env_string("AWS_PROFILE");
  return env && !env->empty() ? *env : "default";
}

std::optional<IniSection> config_profile_section(const std::string& profile) {
  auto config = read_ini_file(config_file_path());
  if (auto it = config.find("profile " + profile); it != config.end()) return it->second;
  if (auto it = config.find(profile); it != config.end() && profile == "default") {
    return it->second;
  }
  return std::nullopt;
}

}  // namespace slipway::aws
