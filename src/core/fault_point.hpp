#pragma once
// Test-only pause points for the fault-injection suite (tests/integration/vm_faults_test.py).
// With SLIPWAY_FAULT_PAUSE_AT=NAME[:N] in its environment, a slipway command stops itself
// (SIGSTOP) the Nth time (default 1st; "*" every time) it reaches the point NAME, so a test can
// kill it, or break a dependency and let it continue (SIGCONT), at an exact step of a rollout
// instead of after a guessed sleep. Points: every vm progress event (EventLog::progress, e.g.
// "deploy_started", "task_RUNNING"), "write:FILE" between writing a state file's temporary copy
// and renaming it into place, and "haproxy_slot_addr_set" between giving a HAProxy server slot
// its address and enabling it. Without the variable a point costs one branch.

#include <string_view>

namespace slipway::core {

// Stops this process with SIGSTOP when SLIPWAY_FAULT_PAUSE_AT selects this arrival at `name`;
// returns at once otherwise, and after SIGCONT.
void fault_point(std::string_view name);

}  // namespace slipway::core
