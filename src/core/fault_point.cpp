#include "core/fault_point.hpp"

#include <signal.h>

#include <cstdlib>
#include <mutex>
#include <string>

namespace slipway::core {
namespace {

struct PausePlan {
  std::string name;  // empty: no pause point selected
  long nth = 1;      // 0: every arrival
  long arrivals = 0;
};

PausePlan read_plan() {
  PausePlan plan;
  const char* text = std::getenv("SLIPWAY_FAULT_PAUSE_AT");
  if (text == nullptr) return plan;
  std::string spec = text;
  // The count follows the last colon; names contain none but "write:FILE" (a path has none).
  if (auto colon = spec.rfind(':'); colon != std::string::npos) {
    auto count = spec.substr(colon + 1);
    if (count == "*") {
      plan.nth = 0;
      spec.resize(colon);
    } else if (!count.empty() && count.find_first_not_of("0123456789") == std::string::npos) {
      plan.nth = std::stol(count);
      spec.resize(colon);
    }
  }
  plan.name = spec;
  return plan;
}

}  // namespace

void fault_point(std::string_view name) {
  static std::mutex mutex;
  static PausePlan plan = read_plan();
  if (plan.name.empty()) return;
  {
    std::lock_guard lock(mutex);
    if (name != plan.name) return;
    ++plan.arrivals;
    if (plan.nth != 0 && plan.arrivals != plan.nth) return;
  }
  // SIGSTOP stops every thread of the process; the test sees state T in /proc/PID/stat.
  ::raise(SIGSTOP);
}

}  // namespace slipway::core
