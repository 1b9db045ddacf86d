#pragma once
// The `.env` file format used locally in place of injected secrets: KEY=VALUE lines, optional
// `export ` prefix, '#' comments, single quotes (literal) and double quotes (escapes: \n \t
// \" and backslash). No shell evaluation: `$VAR` and backticks stay literal text. Errors name the
// file and line and never echo a value.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace slipway::core {

using EnvEntries = std::vector<std::pair<std::string, std::string>>;

// Parses .env text; `origin` names the file in errors. Throws InputError "ORIGIN:LINE: ..." on a
// malformed line (no '=', bad name, unterminated quote, junk after a closing quote).
EnvEntries parse_dotenv(std::string_view text, std::string_view origin);

// Reads and parses `path`; throws InputError when it cannot be read.
EnvEntries load_dotenv_file(const std::string& path);

}  // namespace slipway::core
