#pragma once
// How a release ended: the one vocabulary of both targets — the vm ledger's outcome, the ECS
// revision's slipway:outcome tag, a rollout's report and (through cli/exit_codes.hpp) the exit
// code all use these names.

#include <string_view>

namespace slipway::release {

enum class Outcome {
  in_progress,  // started and not (yet) followed to an end: a running deploy, ecs --no-wait
  succeeded,
  rolled_back,  // it failed and the previous release was restored
  failed,       // it failed and nothing was restored
  timed_out,    // a phase outlasted its timeout (the previous release restored where possible)
  superseded    // a newer deploy replaced it while it ran
};

// "in_progress", "succeeded", "rolled_back", "failed", "timed_out", "superseded".
std::string_view to_string(Outcome outcome);

// Throws LedgerError on an unknown name.
Outcome outcome_from_string(std::string_view text);

}  // namespace slipway::release
