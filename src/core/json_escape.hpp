#pragma once
// JSON string escaping for hot paths (one log line per request) that build JSON text directly
// instead of going through a boost::json::value. Hand-written because Boost.JSON exposes its
// escaper only through serialize() of a whole value, which would allocate per field.

#include <string>
#include <string_view>

namespace slipway::core {

// Appends `text` to `out` as the body of a JSON string (no surrounding quotes): escapes `"`, `\`
// and control characters; passes other bytes, including UTF-8, through unchanged.
void append_json_escaped(std::string& out, std::string_view text);

}  // namespace slipway::core
