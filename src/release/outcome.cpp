#include "release/outcome.hpp"

#include <string>
#include <utility>

#include "release/errors.hpp"

namespace slipway::release {
namespace {

constexpr std::pair<Outcome, std::string_view> kOutcomes[] = {
    {Outcome::in_progress, "in_progress"}, {Outcome::succeeded, "succeeded"},
    {Outcome::rolled_back, "rolled_back"}, {Outcome::failed, "failed"},
    {Outcome::timed_out, "timed_out"},     {Outcome::superseded, "superseded"}};

}  // namespace

std::string_view to_string(Outcome outcome) {
  for (const auto& [value, name] : kOutcomes) {
    if (value == outcome) return name;
  }
  return "unknown";
}

Outcome outcome_from_string(std::string_view text) {
  for (const auto& [value, name] : kOutcomes) {
    if (name == text) return value;
  }
  throw LedgerError("unknown release outcome \"" + std::string(text) + "\"");
}

}  // namespace slipway::release
