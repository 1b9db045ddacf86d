#include "core/env.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>

#include "core/errors.hpp"

namespace slipway::core {
namespace {

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
  std::int64_t value = 0;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end || text.empty()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<std::string> env_string(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

std::int64_t env_integer(const char* name, std::int64_t fallback, std::int64_t min,
                         std::int64_t max) {
  auto raw = env_string(name);
  if (!raw) return fallback;
  auto value = parse_integer(*raw);
  if (!value || *value < min || *value > max) {
    throw InputError(std::string(name) + "=\"" + *raw + "\" is invalid: set " + name +
                     " to a whole number from " + std::to_string(min) + " to " +
                     std::to_string(max));
  }
  return *value;
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  using std::chrono::milliseconds;
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  auto number = parse_integer(text.substr(0, digits));
  if (!number) return std::nullopt;
  const auto unit = text.substr(digits);
  // Bounded so that the multiplications below cannot overflow.
  if (*number > 1'000'000'000) return std::nullopt;
  if (unit == "ms") return milliseconds(*number);
  if (unit.empty() || unit == "s") return milliseconds(*number * 1000);
  if (unit == "m") return milliseconds(*number * 60'000);
  return std::nullopt;
}

std::chrono::milliseconds env_duration(const char* name, std::chrono::milliseconds fallback,
                                       std::chrono::milliseconds max) {
  auto raw = env_string(name);
  if (!raw) return fallback;
  auto value = parse_duration(*raw);
  if (!value || *value > max) {
    throw InputError(std::string(name) + "=\"" + *raw + "\" is invalid: set " + name +
                     " to a duration such as 500ms, 5s or 2m, at most " +
                     std::to_string(max.count()) + "ms");
  }
  return *value;
}

bool env_flag(const char* name, bool fallback) {
  auto raw = env_string(name);
  if (!raw) return fallback;
  const auto value = lowercase(*raw);
  if (value == "1" || value == "true" || value == "yes" || value == "on") return true;
  if (value == "0" || value == "false" || value == "no" || value == "off") return false;
  throw InputError(std::string(name) + "=\"" + *raw + "\" is invalid: set " + name +
                   " to true or false");
}

std::pair<std::string, std::string> parse_assignment(std::string_view text, std::string_view flag,
                                                     std::string_view value_name) {
  const auto equals = text.find('=');
  if (equals == std::string_view::npos || equals == 0) {
    throw InputError(std::string(flag) + " " + std::string(text) + " is malformed: write " +
                     std::string(flag) + " NAME=" + std::string(value_name));
  }
  return {std::string(text.substr(0, equals)), std::string(text.substr(equals + 1))};
}

}  // namespace slipway::core
