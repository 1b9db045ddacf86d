#include "service/faults.hpp"

#include <charconv>
#include <string>

#include "core/env.hpp"
#include "core/errors.hpp"

namespace slipway::service {

Faults parse_faults(std::string_view text) {
  Faults faults;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const auto item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (item.empty()) continue;
    if (item == "unready") {
      faults.unready = true;
    } else if (item == "crash") {
      faults.crash = true;
    } else if (item == "errors") {
      faults.errors = true;
    } else if (item == "slow") {
      faults.slow_route = true;
    } else if (item.starts_with("unhealthy_after=")) {
      faults.unhealthy_after = core::parse_duration(item.substr(16));
      if (!faults.unhealthy_after) {
        throw core::InputError("FAULT_INJECT item \"" + std::string(item) +
                               "\" is invalid: give a duration such as unhealthy_after=30s");
      }
    } else if (item.starts_with("errors_percent=")) {
      const auto digits = item.substr(15);
      int value = -1;
      const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
      if (ec != std::errc{} || end != digits.data() + digits.size() || value < 0 || value > 100) {
        throw core::InputError("FAULT_INJECT item \"" + std::string(item) +
                               "\" is invalid: give a whole percentage such as errors_percent=5");
      }
      faults.errors_percent = value;
    } else if (item.starts_with("latency=")) {
      const auto latency = core::parse_duration(item.substr(8));
      if (!latency) {
        throw core::InputError("FAULT_INJECT item \"" + std::string(item) +
                               "\" is invalid: give a duration such as latency=30ms");
      }
      faults.latency = *latency;
    } else if (item.starts_with("tail_latency=")) {
      const auto value = item.substr(13);
      const auto percent_sign = value.find("%:");
      int percent = -1;
      std::optional<std::chrono::milliseconds> delay;
      if (percent_sign != std::string_view::npos) {
        const auto digits = value.substr(0, percent_sign);
        const auto [end, ec] =
            std::from_chars(digits.data(), digits.data() + digits.size(), percent);
        if (ec != std::errc{} || end != digits.data() + digits.size()) percent = -1;
        delay = core::parse_duration(value.substr(percent_sign + 2));
      }
      if (percent < 0 || percent > 100 || !delay) {
        throw core::InputError("FAULT_INJECT item \"" + std::string(item) +
                               "\" is invalid: give a whole percentage and a duration such as "
                               "tail_latency=2%:20ms");
      }
      faults.tail_percent = percent;
      faults.tail_latency = *delay;
    } else {
      throw core::InputError("FAULT_INJECT item \"" + std::string(item) +
                             "\" is unknown: use unready, crash, errors, errors_percent=N, slow, "
                             "latency=DURATION, tail_latency=N%:DURATION or "
                             "unhealthy_after=DURATION");
    }
  }
  return faults;
}

bool fails_request(std::uint64_t index, int percent) {
  // Request i fails when the running count of failures due, floor((i + 1) x N / 100), steps up.
  const auto due = [percent](std::uint64_t n) {
    return n * static_cast<std::uint64_t>(percent) / 100;
  };
  return due(index + 1) > due(index);
}

}  // namespace slipway::service
