#pragma once
// Process-wide registry of secret values. Whatever resolves a secret registers its value here;
// the logger and the error printers pass their text through redact(), so a value can never reach
// a log line or an error message, even when some code puts it there by mistake.

#include <string>
#include <string_view>

namespace slipway::core {

inline constexpr std::string_view kRedacted = "[REDACTED]";

// Values shorter than this are not registered: replacing every "1" or "ab" in the logs would
// destroy them and still reveal the value by its absence. Such values are rejected as secrets
// upstream (see secrets/).
inline constexpr std::size_t kMinRedactableLength = 4;

// Registers `value` (if long enough) for redaction. Thread-safe.
void register_secret(std::string_view value);

// Returns true when at least one value is registered: lets hot paths skip redact() cheaply.
bool has_registered_secrets() noexcept;

// Returns `text` with every registered value replaced by kRedacted. Thread-safe.
std::string redact(std::string_view text);

// Forgets every registered value. For tests only.
void clear_registered_secrets_for_testing();

}  // namespace slipway::core
