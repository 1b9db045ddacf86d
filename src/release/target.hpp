#pragma once
// The interface the deploying verbs drive, whatever runs the releases: roll an image out, or go
// back to an earlier release with no rebuild. The vm target implements it (targets/vm); the ecs
// target can implement it over its own driver, so a verb chooses its target once.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "release/spec.hpp"

namespace slipway::release {

enum class RolloutStatus { succeeded, rolled_back, failed, timed_out };

// "succeeded", "rolled_back", "failed", "timed_out".
std::string_view to_string(RolloutStatus status);

struct RolloutPhase {
  std::string phase;  // prepare, rollout, bake, restore, retire_old, finish
  double seconds = 0;
};

struct RolloutReport {
  RolloutStatus status = RolloutStatus::succeeded;
  std::int64_t revision = 0;  // the release attempted (ledger revision)
  std::string image;
  std::string reason;  // why it did not succeed
  std::vector<RolloutPhase> phases;
};

class Target {
 public:
  virtual ~Target() = default;

  // vm or ecs.
  virtual TargetKind kind() const = 0;

  // Rolls REPOSITORY:TAG out; throws core::InputError (nothing changed) for bad input,
  // otherwise reports how it ended (a failed rollout restores the previous release).
  virtual RolloutReport deploy(const std::string& image) = 0;

  // Redeploys the last good release before the current one, or `to` (revision or commit SHA);
  // throws ReleaseNotFound when there is none.
  virtual RolloutReport rollback(const std::optional<std::string>& to) = 0;
};

}  // namespace slipway::release
