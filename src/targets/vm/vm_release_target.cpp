#include "targets/vm/vm_release_target.hpp"

#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include "core/cancellation.hpp"
#include "core/redaction.hpp"
#include "release/identity.hpp"

namespace slipway::targets::vm {
namespace json = boost::json;
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

json::array steps_of(const release::Release& r) {
  json::array steps;
  for (const auto& step : r.steps) steps.push_back(json::parse(step));
  return steps;
}

// The share of requests each release's servers get now: active servers HAProxy has UP with
// weight > 0 (a backup serves only when no active one is up), by weight.
json::array traffic_split(const StatusReport& report) {
  std::map<std::int64_t, int> weights;
  int total = 0;
  for (const auto& r : report.replicas) {
    if (r.replica.backup || !r.haproxy_status.starts_with("UP") || r.weight <= 0) continue;
    weights[r.replica.revision] += r.weight;
    total += r.weight;
  }
  json::array split;
  for (auto it = weights.rbegin(); it != weights.rend(); ++it) {
    split.push_back({{"revision", it->first},
                     {"share_percent", std::round(1000.0 * it->second / total) / 10.0}});
  }
  return split;
}

std::string percent(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f%%", value);
  return buffer;
}

}  // namespace

VmReleaseTarget::VmReleaseTarget(VmTarget& target, std::string service, SecretResolver secrets,
                                 WorkloadRenderer render,
                                 release::CurrentSecretVersions current_versions)
    : target_(target),
      service_(std::move(service)),
      secrets_(std::move(secrets)),
      render_(std::move(render)),
      current_versions_(std::move(current_versions)) {}

release::RolloutReport VmReleaseTarget::deploy(const std::string& image) {
  auto ref = release::parse_image_ref(image);
  release::Release next;
  next.image = ref.str();
  // A -dirty tag still names the commit it was built from.
  next.commit = ref.tag.substr(0, ref.tag.find("-dirty"));
  return target_.deploy(next, render_(next), secrets_, render_);
}

release::RolloutReport VmReleaseTarget::rollback(const std::optional<std::string>& to) {
  return target_.rollback(to, secrets_, render_);
}

release::RolloutReport VmReleaseTarget::refresh() {
  return target_.refresh(secrets_, render_, current_versions_);
}

std::vector<release::ReleaseRecord> VmReleaseTarget::history(std::size_t limit) {
  const auto ledger = release::Ledger::load(target_.paths().ledger_file());
  const auto state = load_state(target_.paths());
  std::vector<release::ReleaseRecord> records;
  const auto& releases = ledger.releases();
  for (auto it = releases.rbegin(); it != releases.rend() && records.size() < limit; ++it) {
    release::ReleaseRecord record{
        .revision = it->revision,
        .commit = it->commit,
        .image = it->image,
        .digest = it->digest,
        .who = it->who,
        .when = it->when,
        .outcome = it->outcome,
        .reason = it->reason,
        .current = state.current && state.current->revision == it->revision,
        .details = {}};
    json::object versions;
    for (const auto& [name, version] : it->secret_versions) versions[name] = version;
    record.details["secret_versions"] = std::move(versions);
    if (it->rollback_of) record.details["rollback_of"] = *it->rollback_of;
    if (it->refresh_of) record.details["refresh_of"] = *it->refresh_of;
    // The rendered task definition: references and plain settings, never a secret value.
    if (!it->task_definition.empty()) {
      record.details["task_definition"] = json::parse(it->task_definition);
    }
    if (!it->strategy.empty()) record.details["strategy"] = it->strategy;
    if (!it->stage.empty()) record.details["stage"] = it->stage;
    if (!it->steps.empty()) record.details["steps"] = steps_of(*it);
    records.push_back(std::move(record));
  }
  return records;
}

release::StatusReport VmReleaseTarget::status() {
  const auto report = target_.status();
  const auto& state = report.state;
  release::StatusReport out;
  auto& document = out.document;
  document["service"] = service_;
  document["haproxy_running"] = report.haproxy_running;
  document["listener"] = report.listener;
  document["metrics"] = report.metrics;
  if (state.current) {
    document["current"] = {{"revision", state.current->revision},
                           {"commit", state.current->commit},
                           {"image", state.current->image}};
  } else {
    document["current"] = nullptr;
  }
  json::array replicas;
  for (const auto& r : report.replicas) {
    json::object replica{{"name", r.replica.name},
                         {"revision", r.replica.revision},
                         {"port", r.replica.port},
                         {"running", r.running},
                         {"restarts", r.restarts},
                         {"backup", r.replica.backup},
                         {"server", serving_server(r.replica)},
                         {"weight", r.weight},
                         {"haproxy_status", r.haproxy_status},
                         {"sessions", r.current_sessions},
                         {"responses", r.responses},
                         {"responses_5xx", r.responses_5xx}};
    if (r.probe_status) {
      replica["health"] = *r.probe_status;
    } else {
      replica["health"] = nullptr;
    }
    replicas.push_back(std::move(replica));
  }
  document["replicas"] = std::move(replicas);
  // The split now, and the rollout in progress (or the last one) as its ledger entry says.
  const auto split = traffic_split(report);
  document["traffic"] = split;
  const auto ledger = release::Ledger::load(target_.paths().ledger_file());
  std::optional<release::Release> rollout;
  // The run in progress, or a later one than the current release that did not stay (rolled
  // back, interrupted), else the current release's.
  if (!ledger.releases().empty() &&
      (ledger.releases().back().outcome == release::Outcome::in_progress ||
       (state.current && ledger.releases().back().revision > state.current->revision &&
        !ledger.releases().back().strategy.empty()))) {
    rollout = ledger.releases().back();
  } else if (state.current) {
    rollout = ledger.by_revision(state.current->revision);
  }
  if (rollout && !rollout->strategy.empty()) {
    document["rollout"] = {
        {"revision", rollout->revision}, {"strategy", rollout->strategy},
        {"stage", rollout->stage},       {"outcome", release::to_string(rollout->outcome)},
        {"reason", rollout->reason},     {"steps", steps_of(*rollout)}};
  } else {
    document["rollout"] = nullptr;
  }

  out.lines.push_back(service_ + " on " + report.listener + " (HAProxy " +
                      (report.haproxy_running ? "running" : "stopped") + ", metrics " +
                      report.metrics + ")");
  out.lines.push_back(state.current
                          ? "release: revision " + std::to_string(state.current->revision) + " " +
                                state.current->image
                          : "release: none deployed");
  if (!split.empty()) {
    std::string line = "traffic:";
    for (const auto& share : split) {
      line += " revision " + std::to_string(share.at("revision").as_int64()) + " " +
              percent(share.at("share_percent").as_double()) + ";";
    }
    line.pop_back();
    out.lines.push_back(line);
  }
  if (rollout && !rollout->strategy.empty()) {
    std::string line = "rollout: revision " + std::to_string(rollout->revision) + " " +
                       rollout->strategy + " " + std::string(release::to_string(rollout->outcome));
    if (!rollout->stage.empty()) line += ", stage " + rollout->stage;
    if (!rollout->steps.empty()) {
      const auto last = json::parse(rollout->steps.back()).as_object();
      if (const auto* step = last.if_contains("step")) {
        line += ", step " + std::to_string(step->as_int64()) + "/" +
                std::to_string(last.at("steps").as_int64());
      }
    }
    if (!rollout->reason.empty()) line += ": " + rollout->reason;
    out.lines.push_back(line);
  }
  for (const auto& r : report.replicas) {
    out.lines.push_back(
        "  " + r.replica.name + "\tport " + std::to_string(r.replica.port) + "\t" +
        (r.running ? "running" : "gone") + "\trestarts " + std::to_string(r.restarts) +
        "\thealth " + (r.probe_status ? std::to_string(*r.probe_status) : "-") + "\thaproxy " +
        (r.haproxy_status.empty() ? "-" : r.haproxy_status) +
        (r.replica.backup ? " (backup)" : "") + "\tsessions " + std::to_string(r.current_sessions) +
        "\t5xx " + std::to_string(r.responses_5xx) + "/" + std::to_string(r.responses));
  }
  if (state.current) {
    auto secrets = secrets_status(report);
    document["secrets"] = std::move(secrets.document);
    out.lines.insert(out.lines.end(), secrets.lines.begin(), secrets.lines.end());
  }
  return out;
}

release::SecretsStatus VmReleaseTarget::secrets_status(const StatusReport& report) {
  const auto ledger = release::Ledger::load(target_.paths().ledger_file());
  const auto current = ledger.by_revision(report.state.current->revision);
  if (!current) return release::secrets_status_unknown("the current release is not in the ledger");
  std::vector<release::SecretRef> references;
  std::map<std::string, std::string> now;
  try {
    references = render_(*current).secrets;
    if (references.empty()) return {.document = {{"secrets", json::array{}}}, .lines = {}};
    if (!current_versions_) return release::secrets_status_unknown("no secret store configured");
    now = current_versions_(references);
  } catch (const std::exception& e) {
    // Status still shows the replicas: a deleted secret or an unreachable store is one line.
    return release::secrets_status_unknown(core::redact(e.what()));
  }
  std::vector<release::SecretHolder> holders;
  for (const auto& r : report.replicas) {
    auto running = r.replica.secret_versions;
    if (running.empty()) {
      // Started before replicas recorded their versions: its release's are the best record.
      if (auto of = ledger.by_revision(r.replica.revision)) running = of->secret_versions;
    }
    holders.push_back({r.replica.name, std::move(running)});
  }
  return release::secrets_status(references, holders, now, target_.spec().secrets.reloaded_by_app,
                                 "replica");
}

std::vector<std::string> VmReleaseTarget::logs(std::size_t lines) {
  return lines_of(target_.logs(static_cast<int>(lines)));
}

void VmReleaseTarget::follow_logs(std::size_t lines,
                                  const std::function<void(const std::string&)>& line) {
  for (const auto& text : logs(lines)) line(text);
  // Polling keeps this engine-neutral: per replica, pass on what was not passed on before.
  auto seen = target_.replica_logs();
  for (;;) {
    core::sleep_or_cancel(std::chrono::milliseconds(500), "following the logs");
    for (auto& [name, log_text] : target_.replica_logs()) {
      auto& before = seen[name];
      const auto fresh = log_text.starts_with(before) ? log_text.substr(before.size()) : log_text;
      for (const auto& text : lines_of(fresh)) line(name + " | " + text);
      before = log_text;
    }
  }
}

}  // namespace slipway::targets::vm
