#include "service/faults.hpp"

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
    } else {
      throw core::InputError("FAULT_INJECT item \"" + std::string(item) +
                             "\" is unknown: use unready, crash, errors, slow or "
                             "unhealthy_after=DURATION");
    }
  }
  return faults;
}

}  // namespace slipway::service
