#pragma once
// The shared AWS config and credentials files (INI): the parts slipway reads. Hand-written:
// no Debian package parses the AWS dialect ("[profile x]" in config, "[x]" in credentials).

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace slipway::aws {

using IniSection = std::map<std::string, std::string>;
using IniFile = std::map<std::string, IniSection>;

// Parses INI text: [section], key = value, '#' and ';' comments. Throws ConfigError naming
// `origin` and the line number on a malformed line.
IniFile parse_ini(std::string_view text, std::string_view origin);

// Reads and parses the file; an absent file is an empty IniFile.
IniFile read_ini_file(const std::string& path);

// Returns $AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials.
std::string credentials_file_path();

// Returns $AWS_CONFIG_FILE or ~/.aws/config.
std::string config_file_path();

// Returns `profile`, else $AWS_PROFILE, else "default".
std::string effective_profile(const std::optional<std::string>& profile);

// Returns the config file section of `profile` ("[default]" or "[profile NAME]").
std::optional<IniSection> config_profile_section(const std::string& profile);

}  // namespace slipway::aws
