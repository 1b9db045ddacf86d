// VmTarget's recovery from runs that did not end on their own: the repair every changing command
// (and `status`) makes of a run that died (its release recorded, a BLUE_GREEN / LINEAR / CANARY
// split put back on the release it was replacing), and `slipway rollback` asking a running
// progressive deploy to put all traffic back (the rollback-request file in the state directory).
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/cancellation.hpp"
#include "core/private_files.hpp"
#include "release/ledger.hpp"
#include "targets/vm/deploy_run.hpp"
#include "targets/vm/errors.hpp"
#include "targets/vm/vm_target.hpp"

namespace slipway::targets::vm {
namespace fs = std::filesystem;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {

// How often a waiting `slipway rollback` tries the lock the deploy it asked holds.
constexpr std::chrono::milliseconds kRollbackWaitPoll{50};

bool shifts_traffic(const release::Release& entry) {
  return !entry.strategy.empty() && entry.strategy != "ROLLING";
}

// "stage PRODUCTION_TRAFFIC_SHIFT, step 1/2" from the ledger entry, for messages.
std::string where(const release::Release& entry) {
  std::string out = entry.stage.empty() ? "" : "stage " + entry.stage;
  if (!entry.steps.empty()) {
    try {
      const auto last = json::parse(entry.steps.back()).as_object();
      if (const auto* step = last.if_contains("step")) {
        out += ", step " + std::to_string(step->as_int64()) + "/" +
               std::to_string(last.at("steps").as_int64());
      }
    } catch (const std::exception&) {
      // A step record is ours; a damaged one only shortens the message.
    }
  }
  return out;
}

}  // namespace

void VmTarget::repair_interrupted_runs(const StateLock& lock) {
  const auto& stale = lock.took_over_stale();
  std::string repaired;
  for (const auto& file : lock.half_written()) {
    repaired += "; removed its half-written " + fs::path(file).filename().string();
  }
  // Only the lock holder appends releases, so one still in progress now belongs to a run that
  // ended without recording how: killed (a stale lock), or unable to write its outcome (a full
  // disk) although its lock was released. Either way the next holder records it.
  const std::string why =
      stale ? "interrupted: `" + stale->command + "` (pid " + std::to_string(stale->pid) + ") died"
            : "interrupted: its run ended without recording an outcome";
  auto ledger = release::Ledger::load(paths_.ledger_file());
  std::vector<release::Release> interrupted;
  for (const auto& r : ledger.releases()) {
    if (r.outcome == release::Outcome::in_progress) {
      ledger.set_outcome(r.revision, release::Outcome::failed, why);
      repaired += "; revision " + std::to_string(r.revision) +
                  " had no outcome: recorded as failed (interrupted)";
      interrupted.push_back(r);
    }
  }
  if (!interrupted.empty()) ledger.save();
  if (stale) {
    events_.progress("stale_lock", "took over a stale lock of pid " + std::to_string(stale->pid) +
                                       " (" + stale->command + ")" + repaired);
  } else if (!interrupted.empty()) {
    events_.progress("repaired", repaired.substr(2));
  }
  for (const auto& entry : interrupted) roll_back_interrupted(entry, why);
}

void VmTarget::roll_back_interrupted(const release::Release& entry, const std::string& why) {
  // A rolling run replaces replicas one by one: clear_leftovers settles what it left. CLEAN_UP
  // comes after every judge passed: the new release serves, the old fleet goes with the next run.
  if (!shifts_traffic(entry) || entry.stage == "CLEAN_UP") return;
  auto state = load_state(paths_);
  const auto revision = entry.revision;
  // The release it was replacing: still current before the switch, previous after it.
  const auto prior =
      state.current && state.current->revision != revision ? state.current : state.previous;
  if (!prior) return;
  std::vector<ReplicaState> fresh;
  int prior_serving = 0;
  for (const auto& r : state.replicas) {
    if (r.revision == revision) {
      fresh.push_back(r);
    } else if (r.revision == prior->revision && r.in_haproxy && !r.backup) {
      ++prior_serving;
    }
  }
  if (fresh.empty() || prior_serving == 0) return;
  const auto back_on = "revision " + std::to_string(prior->revision);
  const auto at = where(entry);
  events_.progress("rollback_started", "revision " + std::to_string(revision) + "'s " +
                                           entry.strategy + " run was interrupted" +
                                           (at.empty() ? "" : " at " + at) +
                                           ": all traffic back on " + back_on);
  // A HAProxy that is not running starts from the state: with the split already back.
  if (!balancer_->running()) {
    for (auto& r : state.replicas) {
      if (r.in_haproxy && !r.backup) r.weight = r.revision == revision ? 0 : 1;
    }
    save_state(paths_, state);
  }
  ensure_balancer(state);
  rollout_.weigh(state, revision, 0, 1);  // one runtime-API command
  if (config_.spec.vm.test_listener_port != 0) balancer_->stop_test_traffic(fresh);
  if (state.current && state.current->revision == revision) {
    // It had switched: the release before the prior one is the ledger's last good one.
    state.current = prior;
    const auto before =
        release::Ledger::load(paths_.ledger_file()).last_good_before(prior->revision);
    state.previous =
        before
            ? std::optional<ReleaseRef>(ReleaseRef{before->revision, before->commit, before->image})
            : std::nullopt;
  }
  save_state(paths_, state);
  rollout_.retire(state, fresh, "its run was interrupted");
  const auto reason = why + (at.empty() ? "" : " at " + at) + "; all traffic back on " + back_on +
                      " in one weights command, revision " + std::to_string(revision) +
                      "'s replicas stopped";
  record_outcome(revision, release::Outcome::rolled_back, reason);
  events_.progress(
      "deploy_rolled_back", "revision " + std::to_string(revision) + " rolled_back: " + reason,
      json::object{{"revision", revision}, {"status", "rolled_back"}, {"interrupted", true}});
}

void VmTarget::repair_if_unlocked() {
  // Only a split between two fleets is urgent; a rolling run's leftovers wait for the next
  // changing command, as before.
  const auto ledger = release::Ledger::load(paths_.ledger_file());
  const bool open = std::any_of(
      ledger.releases().begin(), ledger.releases().end(), [](const release::Release& r) {
        return r.outcome == release::Outcome::in_progress && shifts_traffic(r);
      });
  if (!open) return;
  // `status --output json` prints one document on stdout: the repair's events go to stderr.
  events_.json_to_stderr(true);
  struct Restore {
    EventLog& events;
    ~Restore() { events.json_to_stderr(false); }
  } restore{events_};
  try {
    StateLock lock(paths_.lock_file(), "slipway status", config_.lock_timeout);
    repair_interrupted_runs(lock);
  } catch (const LockedError&) {
    // A live run holds it: its release is in progress, not interrupted.
  }
}

std::optional<std::string> VmTarget::rollback_requested(std::int64_t revision) const {
  std::error_code missing;
  if (!fs::exists(paths_.rollback_request_file(), missing)) return std::nullopt;
  std::ifstream in(paths_.rollback_request_file());
  std::stringstream text;
  text << in.rdbuf();
  try {
    const auto request = json::parse(text.str()).as_object();
    // A request for another run (its asker killed before removing it) is not this run's.
    if (request.at("revision").to_number<std::int64_t>() != revision) return std::nullopt;
    return "rollback requested by " + json::value_to<std::string>(request.at("requested_by")) +
           " (`slipway rollback`, pid " + std::to_string(request.at("pid").to_number<int>()) + ")";
  } catch (const std::exception&) {
    return std::nullopt;  // written whole and renamed: only something else writes it half
  }
}

std::optional<release::Release> VmTarget::ask_running_deploy_to_roll_back(
    std::optional<StateLock>& lock) {
  auto ledger = release::Ledger::load(paths_.ledger_file());
  std::optional<release::Release> running;
  for (const auto& r : ledger.releases()) {
    if (r.outcome == release::Outcome::in_progress && shifts_traffic(r)) running = r;
  }
  if (!running) return std::nullopt;
  const auto owner = read_lock_owner(paths_.lock_file());
  const auto revision = std::to_string(running->revision);
  core::write_private_file(
      paths_.rollback_request_file(),
      json::serialize(json::object{{"revision", running->revision},
                                   {"requested_by", config_.who.empty() ? who_am_i() : config_.who},
                                   {"pid", ::getpid()}}) +
          '\n');
  struct RemoveRequest {
    std::string file;
    ~RemoveRequest() {
      std::error_code ignored;
      fs::remove(file, ignored);
    }
  } remove_request{paths_.rollback_request_file()};
  events_.progress(
      "rollback_requested",
      "revision " + revision + "'s " + running->strategy + " deploy" +
          (owner ? " (`" + owner->command + "`, pid " + std::to_string(owner->pid) + ")" : "") +
          " holds the lock: asked it to put all traffic back on the previous "
          "release; waiting for it to finish",
      json::object{{"revision", running->revision}});
  const auto deadline = Clock::now() + config_.timeout;
  while (true) {
    try {
      // Once the deploy has ended (or died: the lock is stale then, and the repair below puts
      // its traffic back) the lock is this command's.
      lock.emplace(paths_.lock_file(), "slipway rollback", config_.lock_timeout);
      return running;
    } catch (const LockedError&) {
      if (Clock::now() > deadline) {
        throw LockedError("revision " + revision + "'s deploy did not end within " +
                          std::to_string(config_.timeout.count()) +
                          "s of the rollback request: see `slipway status`, then retry");
      }
    }
    core::sleep_or_cancel(kRollbackWaitPoll, "waiting for revision " + revision + "'s deploy");
  }
}

DeployReport VmTarget::report_aborted(const release::Release& asked) {
  const auto entry = release::Ledger::load(paths_.ledger_file()).by_revision(asked.revision);
  const auto state = load_state(paths_);
  DeployReport report;
  report.revision = state.current ? state.current->revision : 0;
  report.image = state.current ? state.current->image : "";
  report.details["aborted_revision"] = asked.revision;
  const auto revision = "revision " + std::to_string(asked.revision);
  if (entry && entry->outcome == release::Outcome::rolled_back) {
    report.status = release::Outcome::succeeded;
    report.reason = revision + "'s " + asked.strategy +
                    " deploy put all traffic back on revision " + std::to_string(report.revision) +
                    ": " + entry->reason;
    events_.progress(
        "rolled_back", report.reason,
        json::object{{"revision", report.revision}, {"aborted_revision", asked.revision}});
  } else {
    report.status = entry ? entry->outcome : release::Outcome::failed;
    report.reason = revision + "'s deploy ended " + std::string(release::to_string(report.status)) +
                    ": " + (entry ? entry->reason : "it is missing from the ledger");
  }
  return report;
}

}  // namespace slipway::targets::vm
