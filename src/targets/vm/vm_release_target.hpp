#pragma once
// The vm target behind release::Target: deploy, rollback, history (the ledger), status (state,
// engine, probes, HAProxy counters, the secret versions each replica runs), logs. Secrets and
// earlier releases' workloads come from the resolver and renderer given here.

#include <string>

#include "release/secret_versions.hpp"
#include "release/target.hpp"
#include "targets/vm/secret_source.hpp"
#include "targets/vm/vm_target.hpp"

namespace slipway::targets::vm {

class VmReleaseTarget final : public release::Target {
 public:
  // `service` names the service in status reports; `current_versions` answers which secret
  // versions are current now (status and refresh).
  VmReleaseTarget(VmTarget& target, std::string service, SecretResolver secrets,
                  WorkloadRenderer render, release::CurrentSecretVersions current_versions);

  release::TargetKind kind() const override { return release::TargetKind::vm; }
  release::RolloutReport deploy(const std::string& image) override;
  release::RolloutReport rollback(const std::optional<std::string>& to) override;
  release::RolloutReport refresh() override;
  std::vector<release::ReleaseRecord> history(std::size_t limit) override;
  release::StatusReport status() override;
  std::vector<std::string> logs(std::size_t lines) override;
  // Polls every replica's log twice a second and passes on what is new, prefixed with the
  // replica's name, until SIGINT/SIGTERM (core::Cancelled).
  void follow_logs(std::size_t lines, const std::function<void(const std::string&)>& line) override;

 private:
  // Per replica of the current release, the versions it runs against the current ones.
  release::SecretsStatus secrets_status(const StatusReport& report);

  VmTarget& target_;
  std::string service_;
  SecretResolver secrets_;
  WorkloadRenderer render_;
  release::CurrentSecretVersions current_versions_;
};

}  // namespace slipway::targets::vm
