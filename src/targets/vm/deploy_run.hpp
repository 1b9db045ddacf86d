#pragma once
// The state of one deploy run, shared by the files that define VmTarget's members
// (vm_target.cpp: the rolling deploy, restore, rollback, refresh; vm_strategies.cpp: BLUE_GREEN,
// LINEAR, CANARY). Internal to the vm target.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "targets/vm/vm_target.hpp"

namespace slipway::targets::vm {

// user@host of the person running this command (recorded in the ledger).
std::string who_am_i();

inline std::string short_sha(const std::string& commit) {
  return commit.substr(0, 12);
}

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// One deploy once its release is in the ledger: what it replaces, its deadline and its report.
struct VmTarget::DeployRun {
  ReleaseRef ref;
  std::optional<ReleaseRef> prior;           // the release in service before
  std::optional<ReleaseRef> prior_previous;  // restored with `prior` when this release fails
  bool refresh = false;                      // a refresh: restores pin the prior's versions
  std::vector<std::string> adopted;          // refresh: replicas of `prior` kept as this release's
  int desired = 0;
  std::chrono::steady_clock::time_point started;
  std::chrono::steady_clock::time_point deadline;
  std::chrono::steady_clock::time_point phase_started;
  DeployReport report;
  // LINEAR / CANARY changed server weights: a restore puts every request on the prior release.
  bool weighted = false;
  // What the ledger records of the rollout as it goes (Release::strategy, stage, steps).
  std::string strategy = "ROLLING";
  bool testing = false;  // the new replicas are behind the test listener
  std::string stage;
  std::vector<std::string> steps;

  void phase(const std::string& name) {
    report.phases.push_back({name, seconds_since(phase_started)});
    phase_started = std::chrono::steady_clock::now();
  }
};

}  // namespace slipway::targets::vm
