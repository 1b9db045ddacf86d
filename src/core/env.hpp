#pragma once
// Typed, validated reads of environment variables. Each function throws core::InputError with
// one line that names the variable, the bad value and what is accepted, so a service fails at
// start rather than at the first request.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace slipway::core {

// Returns the variable's value, or nullopt when unset. An empty value counts as set.
std::optional<std::string> env_string(const char* name);

// Returns the variable as an integer in [min, max], or `fallback` when unset;
// throws InputError when it is not a whole number in range.
std::int64_t env_integer(const char* name, std::int64_t fallback, std::int64_t min,
                         std::int64_t max);

// Returns a duration written as "250ms", "5s", "2m" or a bare number of seconds, or `fallback`
// when unset; throws InputError on anything else or a value above `max`.
std::chrono::milliseconds env_duration(const char* name, std::chrono::milliseconds fallback,
                                       std::chrono::milliseconds max);

// Returns true for 1/true/yes/on, false for 0/false/no/off (any case), `fallback` when unset;
// throws InputError otherwise.
bool env_flag(const char* name, bool fallback);

// Splits "NAME=VALUE" (a --var, an --env) at the first '='; throws InputError naming `flag`,
// the text and the expected form (NAME=`value_name`) when there is no '=' or the name is empty.
// The text is quoted in the message as given: pass only assignments whose value is no secret.
std::pair<std::string, std::string> parse_assignment(std::string_view text, std::string_view flag,
                                                     std::string_view value_name = "VALUE");

// Parses a duration as env_duration does; nullopt when malformed. Shared with config files.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace slipway::core
