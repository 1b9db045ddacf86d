#include "release/target.hpp"

namespace slipway::release {

std::string_view to_string(RolloutStatus status) {
  switch (status) {
    case RolloutStatus::succeeded:
      return "succeeded";
    case RolloutStatus::rolled_back:
      return "rolled_back";
    case RolloutStatus::failed:
      return "failed";
    case RolloutStatus::timed_out:
      return "timed_out";
  }
  return "unknown";
}

}  // namespace slipway::release
