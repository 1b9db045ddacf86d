// The deployment follower against a small model of ECS's rolling-deployment lifecycle, written
// from AWS's documentation (the pages data/make_sequences.py cites):
//  - UpdateService creates our deployment D (PRIMARY, IN_PROGRESS); the one before it, O, turns
//    ACTIVE and stays COMPLETED;
//  - D's tasks start, ECS bakes (when the service names alarms) and D turns COMPLETED, O leaves;
//  - or starts fail: after circuit_breaker_threshold(desired) failures (in rounds of desiredCount
//    attempts) the breaker trips; with rollback on it re-activates O (same id, COMPLETED ->
//    IN_PROGRESS, PRIMARY, "rolling back to deploymentId O"), D turns FAILED (possibly some
//    polls later), O completes (or fails too) and D is pruned; with rollback off D is FAILED and
//    stays PRIMARY;
//  - or an alarm fires during ECS's bake, with the same rollback (or none when the alarms'
//    rollback is off);
//  - or someone's UpdateService creates a newer deployment N (app:9, or app:7 by hand).
// Every change comes with its service events, possibly a poll late. Reads are eventually
// consistent: a poll may return the state of up to `lag` polls before (before UpdateService
// too), and some polls are throttled or list no deployments.
//
// For thousands of seeded interleavings the follower must give the true outcome (not before a
// poll shows the state that settles it), never
// "succeeded" when ECS rolled back or failed, never "superseded" for ECS's own rollback, and
// within a bounded number of polls after the evidence. A failure names its seed and shrinks to
// a minimal sequence of polls. SLIPWAY_MODEL_SEED / SLIPWAY_MODEL_CASES rerun one seed or more.
#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <map>
#include <random>
#include <sstream>

#include "targets/ecs/follower.hpp"

namespace slipway::targets::ecs {
namespace {

using aws::EcsDeployment;
using aws::EcsService;

constexpr double kT0 = 1764213600.0;  // D's createdAt
constexpr int kTickSeconds = 5;       // one poll per tick
constexpr int kInconclusivePolls = FollowTimeouts{}.inconclusive_polls;
const std::string kOurs = "ecs-svc/4805309316123366987";
const std::string kOld = "ecs-svc/1234567890123456789";
const std::string kNewer = "ecs-svc/9999999999999999999";

std::string revision(int number) {
  return "arn:aws:ecs:us-east-1:123456789012:task-definition/app:" + std::to_string(number);
}

enum class Fate { succeeds, breaker_trips, alarm_fires, newer_revision, manual_rollback };

const char* name_of(Fate fate) {
  switch (fate) {
    case Fate::succeeds:
      return "succeeds";
    case Fate::breaker_trips:
      return "breaker_trips";
    case Fate::alarm_fires:
      return "alarm_fires";
    case Fate::newer_revision:
      return "newer_revision";
    case Fate::manual_rollback:
      return "manual_rollback";
  }
  return "?";
}

struct Scenario {
  Fate fate = Fate::succeeds;
  int desired = 2;
  bool breaker_rollback = true;
  bool alarms = false;  // the service names deployment alarms: ECS bakes before COMPLETED
  bool alarm_rollback = true;
  bool rollback_fails = false;
  int start_ticks = 1;  // a (failed) start attempt
  int bake_ticks = 0;
  int slow_failed = 0;  // ticks D stays ACTIVE IN_PROGRESS after the rollback PRIMARY shows
  int events_late = 0;  // ticks the events lag the deployments
  int prune_ticks = 1;  // ticks a replaced deployment stays listed
  int supersede_at = 1;
  int lag = 0;  // most ticks a read may be stale

  std::string describe() const {
    std::ostringstream text;
    text << "fate " << name_of(fate) << ", desiredCount " << desired << " (breaker threshold "
         << circuit_breaker_threshold(desired) << "), breaker rollback " << breaker_rollback
         << ", alarms " << alarms << " (rollback " << alarm_rollback << "), rollback fails "
         << rollback_fails << ", start " << start_ticks << " ticks, ECS bake " << bake_ticks
         << ", FAILED marked " << slow_failed << " late, events " << events_late
         << " late, pruned after " << prune_ticks << ", supersede at " << supersede_at
         << ", stale reads up to " << lag;
    return text.str();
  }
};

// What ECS really did: its state at every tick and the outcome the follower must report.
struct Truth {
  std::vector<EcsService> states;  // [0] before UpdateService, [t + 1] at tick t
  int evidence_tick = 0;           // the first tick whose state settles the outcome
  Verdict outcome = Verdict::in_progress;
};

struct Event {
  int tick;
  std::string message;
};

EcsDeployment deployment(const std::string& id, const std::string& status,
                         const std::string& rollout, int rev, int desired, double created) {
  EcsDeployment d;
  d.id = id;
  d.status = status;
  d.rollout_state = rollout;
  d.rollout_state_reason = rollout == "COMPLETED" ? "ECS deployment " + id + " completed."
                                                  : "ECS deployment " + id + " in progress.";
  d.task_definition = revision(rev);
  d.desired_count = desired;
  d.created_at = created;
  return d;
}

// ECS's state at tick t (t = -1: before UpdateService) for a scenario, from its timeline.
class Ecs {
 public:
  explicit Ecs(const Scenario& s) : s_(s) {
    const int threshold = circuit_breaker_threshold(s.desired);
    started_ = s.start_ticks;
    trip_ = (threshold + s.desired - 1) / s.desired * s.start_ticks;
    scaled_in_ = started_ + 1;
    completed_ = scaled_in_ + s.bake_ticks;
    if (s.fate == Fate::alarm_fires) trip_ = scaled_in_ + s.bake_ticks / 2;
    rollback_done_ = trip_ + std::max(s.start_ticks, s.slow_failed + s.events_late + 1);
    const bool rollback = s.fate == Fate::alarm_fires ? s.alarm_rollback : s.breaker_rollback;
    switch (s.fate) {
      case Fate::succeeds:
        evidence_ = completed_;
        outcome_ = Verdict::succeeded;
        break;
      case Fate::breaker_trips:
      case Fate::alarm_fires:
        evidence_ = rollback ? rollback_done_ : trip_;
        outcome_ = !rollback || s.rollback_fails ? Verdict::failed
                   : s.fate == Fate::alarm_fires ? Verdict::rolled_back_by_alarm
                                                 : Verdict::rolled_back_by_circuit_breaker;
        break;
      case Fate::newer_revision:
      case Fate::manual_rollback:
        evidence_ = s.supersede_at;
        outcome_ = Verdict::superseded;
        break;
    }
  }

  Truth truth(int last_tick) const {
    Truth truth{.states = {}, .evidence_tick = evidence_, .outcome = outcome_};
    for (int t = -1; t <= last_tick; ++t) truth.states.push_back(at(t));
    return truth;
  }

 private:
  bool failing() const { return s_.fate == Fate::breaker_trips || s_.fate == Fate::alarm_fires; }
  bool rolls_back() const {
    return s_.fate == Fate::alarm_fires ? s_.alarm_rollback : s_.breaker_rollback;
  }

  EcsService at(int t) const {
    EcsService service;
    service.name = "app";
    service.status = "ACTIVE";
    service.desired_count = s_.desired;
    service.circuit_breaker_enable = true;
    service.circuit_breaker_rollback = s_.breaker_rollback;
    if (s_.alarms) service.alarm_names = {"app-5xx"};
    service.alarms_rollback = s_.alarms && s_.alarm_rollback;
    std::vector<Event> events{{-720, "(service app) has reached a steady state."}};
    auto old = deployment(kOld, "ACTIVE", "COMPLETED", 7, s_.desired, kT0 - 3600);
    old.running_count = s_.desired;
    if (t < 0) {
      old.status = "PRIMARY";
      service.deployments = {old};
      finish(service, events, t);
      return service;
    }
    auto ours = deployment(kOurs, "PRIMARY", "IN_PROGRESS", 8, s_.desired, kT0);
    std::vector<EcsDeployment> listed;
    // Start attempts: rounds of failing ones until the breaker trips, or one that works.
    if (s_.fate == Fate::breaker_trips) {
      for (int round = 1; round * s_.start_ticks <= std::min(t, trip_); ++round) {
        events.push_back(
            {round * s_.start_ticks - 1, "(service app) has started " + std::to_string(s_.desired) +
                                             " tasks: (task r" + std::to_string(round) + ")."});
      }
    } else if (t >= started_) {
      events.push_back({started_, "(service app) has started " + std::to_string(s_.desired) +
                                      " tasks: (task a)."});
    }
    const bool superseding = s_.fate == Fate::newer_revision || s_.fate == Fate::manual_rollback;
    if (superseding && t >= s_.supersede_at) {
      auto newer =
          deployment(kNewer, "PRIMARY", "IN_PROGRESS", s_.fate == Fate::newer_revision ? 9 : 7,
                     s_.desired, kT0 + s_.supersede_at * kTickSeconds);
      events.push_back({s_.supersede_at + 1, "(service app) has started 1 tasks: (task n)."});
      ours.status = "ACTIVE";
      ours.running_count = t >= started_ ? s_.desired : 0;
      listed = {newer, ours, old};
      service.deployments = listed;
      finish(service, events, t);
      return service;
    }
    if (!failing() || t < trip_) {
      // Rolling forward: starts (failing ones counted), then ECS's bake, then COMPLETED.
      if (s_.fate == Fate::breaker_trips) {
        ours.failed_tasks =
            std::min(circuit_breaker_threshold(s_.desired), t / s_.start_ticks * s_.desired);
      } else if (t >= started_) {
        ours.running_count = s_.desired;
      }
      if (!failing() && t >= scaled_in_) old.running_count = 0;
      if (s_.fate == Fate::alarm_fires && t >= scaled_in_) old.running_count = 0;
      if (s_.fate == Fate::succeeds && t >= completed_) {
        ours = deployment(kOurs, "PRIMARY", "COMPLETED", 8, s_.desired, kT0);
        ours.running_count = s_.desired;
        events.push_back(
            {completed_, "(service app) (deployment " + kOurs + ") deployment completed."});
        listed = {ours};
      } else {
        listed = {ours, old};
      }
      service.deployments = listed;
      finish(service, events, t);
      return service;
    }
    // The breaker tripped, or an alarm fired during ECS's bake.
    const bool alarm = s_.fate == Fate::alarm_fires;
    const auto failed_reason = alarm ? std::string("deployment failed: alarm detected.")
                                     : std::string(
                                           "ECS deployment circuit breaker: tasks "
                                           "failed to start.");
    ours.failed_tasks = alarm ? 0 : circuit_breaker_threshold(s_.desired);
    ours.running_count = alarm ? s_.desired : 0;
    events.push_back({trip_, "(service app) (deployment " + kOurs + ") deployment failed: " +
                                 (alarm ? "alarm detected." : "tasks failed to start.")});
    if (!rolls_back()) {
      ours.rollout_state = "FAILED";
      ours.rollout_state_reason = failed_reason;
      service.deployments = {ours, old};
      finish(service, events, t);
      return service;
    }
    events.push_back({trip_, "(service app) rolling back to deployment " + kOld + "."});
    ours.status = "ACTIVE";
    if (t >= trip_ + s_.slow_failed) {
      ours.rollout_state = "FAILED";
      ours.rollout_state_reason = failed_reason;
    }
    auto rollback = old;
    rollback.status = "PRIMARY";
    rollback.rollout_state = "IN_PROGRESS";
    // The breaker's text is documented; an alarm rollback's is not, so it keeps the generic one.
    rollback.rollout_state_reason =
        alarm ? "ECS deployment " + kOld + " in progress."
              : "ECS deployment circuit breaker: rolling back to deploymentId " + kOld + ".";
    if (t >= rollback_done_) {
      if (s_.rollback_fails) {
        rollback.rollout_state = "FAILED";
        rollback.rollout_state_reason = "ECS deployment circuit breaker: tasks failed to start.";
        rollback.running_count = 0;
        events.push_back({rollback_done_, "(service app) (deployment " + kOld +
                                              ") deployment failed: tasks failed to start."});
      } else {
        rollback.rollout_state = "COMPLETED";
        rollback.rollout_state_reason = "ECS deployment " + kOld + " completed.";
        events.push_back(
            {rollback_done_, "(service app) (deployment " + kOld + ") deployment completed."});
      }
    }
    listed = {rollback};
    if (t < rollback_done_ + s_.prune_ticks || s_.rollback_fails) listed.push_back(ours);
    service.deployments = listed;
    finish(service, events, t);
    return service;
  }

  // Events become visible `events_late` ticks after the change; listed newest first.
  void finish(EcsService& service, const std::vector<Event>& events, int t) const {
    std::vector<aws::ServiceEvent> visible;
    for (const auto& event : events) {
      const int shown = event.tick < 0 ? event.tick : event.tick + s_.events_late;
      if (shown > t) continue;
      visible.push_back({.id = "ev-" + std::to_string(event.tick) + "-" +
                               std::to_string(std::hash<std::string>{}(event.message)),
                         .created_at = kT0 + event.tick * kTickSeconds,
                         .message = event.message});
    }
    std::stable_sort(visible.begin(), visible.end(),
                     [](const auto& a, const auto& b) { return a.created_at > b.created_at; });
    service.events = std::move(visible);
    for (const auto& d : service.deployments) {
      if (d.status == "PRIMARY") service.task_definition = d.task_definition;
    }
  }

  Scenario s_;
  int started_ = 0, trip_ = 0, scaled_in_ = 0, completed_ = 0, rollback_done_ = 0;
  int evidence_ = 0;
  Verdict outcome_ = Verdict::in_progress;
};

// One poll: the tick it happens at and what it returns.
struct Poll {
  int tick = 0;
  int shows = 0;  // the tick whose state it returns (-1: before UpdateService)
  enum Kind { read, throttled, no_deployments } kind = read;
};

struct Case {
  std::uint64_t seed = 0;
  Scenario scenario;
  std::vector<Poll> polls;
};

// The most polls after the evidence is readable (every read at or after evidence + lag shows
// it) that the follower may take: the inconclusive bound, one more to decide, and a run of
// throttled or empty polls (at most kInconclusivePolls - 2 in a row).
constexpr int kVerdictWithin = kInconclusivePolls + 1 + (kInconclusivePolls - 2);

Case draw(std::uint64_t seed) {
  std::mt19937_64 random(seed);
  const auto pick = [&](int low, int high) {
    return std::uniform_int_distribution<int>(low, high)(random);
  };
  const auto chance = [&](double p) { return std::bernoulli_distribution(p)(random); };
  Case c;
  c.seed = seed;
  auto& s = c.scenario;
  s.fate = static_cast<Fate>(pick(0, 4));
  const int desired_counts[] = {1, 2, 3, 6, 25};
  s.desired = desired_counts[pick(0, 4)];
  s.breaker_rollback = chance(0.8);
  s.alarms = s.fate == Fate::alarm_fires || chance(0.3);
  s.alarm_rollback = chance(0.8);
  s.rollback_fails = chance(0.15);
  s.start_ticks = pick(1, 4);
  s.bake_ticks = s.alarms ? pick(2, 6) : 0;
  s.slow_failed = pick(0, 3);
  s.events_late = pick(0, 1);
  s.prune_ticks = pick(0, 3);
  s.lag = pick(0, 2);
  s.supersede_at = pick(1, std::max(1, s.start_ticks + 1 + s.bake_ticks));
  const int last = Ecs(s).truth(0).evidence_tick + s.lag + kVerdictWithin + 2;
  int unexplained = 0;  // polls in a row that may explain nothing
  for (int t = 0; t <= last; ++t) {
    Poll poll{.tick = t, .shows = t, .kind = Poll::read};
    const bool allow = unexplained < kInconclusivePolls - 2;
    if (allow && chance(0.06)) {
      poll.kind = chance(0.5) ? Poll::throttled : Poll::no_deployments;
    } else if (allow && s.lag > 0 && chance(0.35)) {
      poll.shows = std::max(-1, t - pick(1, s.lag));
    }
    unexplained = poll.kind != Poll::read || poll.shows != t ? unexplained + 1 : 0;
    c.polls.push_back(poll);
  }
  return c;
}

struct Run {
  std::string failure;  // empty: the follower was right
  std::string category;
  std::vector<std::string> trace;
};

std::string summary(const EcsService& service) {
  std::string text;
  for (const auto& d : service.deployments) {
    text += (text.empty() ? "" : " | ") + d.id.substr(d.id.size() - 4) + " " + d.status + " " +
            d.rollout_state + " app:" + d.task_definition.substr(d.task_definition.rfind(':') + 1) +
            " run " + std::to_string(d.running_count) + "/" + std::to_string(d.desired_count) +
            " failed " + std::to_string(d.failed_tasks);
  }
  if (!service.events.empty()) text += " || newest event: " + service.events.front().message;
  return text.empty() ? "(no deployments)" : text;
}

// Replays a case; `trace` keeps a line per poll (only wanted for a failure's message).
Run run(const Case& c, bool trace = false) {
  const auto& s = c.scenario;
  int last = 0;
  for (const auto& poll : c.polls) last = std::max(last, poll.tick);
  const auto truth = Ecs(s).truth(last);
  FollowTimeouts timeouts;
  timeouts.start = timeouts.rollout = std::chrono::hours(2);  // only ECS decides here
  DeploymentFollower follower({.id = kOurs,
                               .created_at = kT0,
                               .task_definition = revision(8),
                               .previous_task_definition = revision(7)},
                              timeouts);
  Run result;
  int fresh_after_evidence = 0;  // polls at or after evidence + lag
  for (const auto& poll : c.polls) {
    Observation observation;
    observation.elapsed = std::chrono::seconds(poll.tick * kTickSeconds);
    if (poll.kind == Poll::throttled) {
      observation.unavailable = "ThrottlingException: Rate exceeded";
    } else {
      observation.service = truth.states.at(static_cast<std::size_t>(poll.shows + 1));
      if (poll.kind == Poll::no_deployments) observation.service.deployments.clear();
    }
    const auto step = follower.observe(observation);
    if (trace) {
      const auto shown =
          poll.kind == Poll::throttled
              ? std::string("throttled")
              : "state of tick " + std::to_string(poll.shows) + ": " + summary(observation.service);
      result.trace.push_back("tick " + std::to_string(poll.tick) + " " + shown + " -> " +
                             std::string(to_string(step.verdict)) +
                             (step.reason.empty() ? "" : " (" + step.reason + ")"));
    }
    if (poll.tick >= truth.evidence_tick + s.lag) ++fresh_after_evidence;
    if (step.verdict == Verdict::in_progress) {
      if (fresh_after_evidence > kVerdictWithin) {
        result.category = "late";
        result.failure = "no verdict " + std::to_string(kVerdictWithin) +
                         " polls after the evidence (tick " + std::to_string(truth.evidence_tick) +
                         ") was readable; expected " + std::string(to_string(truth.outcome));
        return result;
      }
      continue;
    }
    if (step.verdict == truth.outcome) {
      // Right, but only if the poll that gave it could show the evidence.
      if (poll.kind != Poll::read || poll.shows >= truth.evidence_tick) return result;
      result.category = "premature";
      result.failure = "said " + std::string(to_string(step.verdict)) + " at tick " +
                       std::to_string(poll.tick) + " from the state of tick " +
                       std::to_string(poll.shows) + ", before ECS's evidence (tick " +
                       std::to_string(truth.evidence_tick) + ")";
      return result;
    }
    result.category = std::string(to_string(step.verdict)) + " instead of " +
                      std::string(to_string(truth.outcome));
    result.failure = "said " + result.category + " at tick " + std::to_string(poll.tick);
    if (step.verdict == Verdict::succeeded) result.failure += " (succeeded while ECS did not)";
    if (step.verdict == Verdict::superseded && truth.outcome != Verdict::superseded) {
      result.failure += " (superseded by ECS's own rollback)";
    }
    return result;
  }
  return result;  // ran out of polls before the bound: nothing to judge
}

// Drops polls while the same kind of failure remains: the smallest sequence that still fails.
Case shrink(Case c, const std::string& category) {
  bool smaller = true;
  while (smaller) {
    smaller = false;
    for (std::size_t i = 0; i < c.polls.size(); ++i) {
      auto candidate = c;
      candidate.polls.erase(candidate.polls.begin() + static_cast<std::ptrdiff_t>(i));
      if (run(candidate).category == category) {
        c = std::move(candidate);
        smaller = true;
        break;
      }
    }
    for (std::size_t i = 0; !smaller && i < c.polls.size(); ++i) {
      if (c.polls[i].kind == Poll::read && c.polls[i].shows == c.polls[i].tick) continue;
      auto candidate = c;
      candidate.polls[i] = {.tick = c.polls[i].tick, .shows = c.polls[i].tick, .kind = Poll::read};
      if (run(candidate).category == category) {
        c = std::move(candidate);
        smaller = true;
      }
    }
  }
  return c;
}

std::uint64_t env_or(const char* name, std::uint64_t fallback) {
  const char* value = std::getenv(name);
  return value ? std::strtoull(value, nullptr, 10) : fallback;
}

TEST(FollowerModel, GivesEcsTrueOutcomeOnEveryInterleaving) {
  const auto first_seed = env_or("SLIPWAY_MODEL_SEED", 20261130);
  const auto cases = env_or("SLIPWAY_MODEL_CASES", 4000);
  std::map<std::string, int> outcomes;
  for (std::uint64_t seed = first_seed; seed < first_seed + cases; ++seed) {
    const auto c = draw(seed);
    const auto result = run(c);
    if (!result.failure.empty()) {
      const auto minimal = shrink(c, result.category);
      const auto again = run(minimal, true);
      std::string trace;
      for (const auto& line : again.trace) trace += "\n  " + line;
      FAIL() << "seed " << seed << " (rerun: SLIPWAY_MODEL_SEED=" << seed
             << " SLIPWAY_MODEL_CASES=1): " << result.failure << "\n"
             << c.scenario.describe() << "\nminimal sequence (" << minimal.polls.size() << " of "
             << c.polls.size() << " polls):" << trace;
    }
    ++outcomes[std::string(to_string(Ecs(c.scenario).truth(0).outcome))];
  }
  // Every outcome the model knows was drawn, so none is checked by accident only.
  for (const auto* outcome : {"succeeded", "rolled_back_by_circuit_breaker", "rolled_back_by_alarm",
                              "failed", "superseded"}) {
    EXPECT_GT(outcomes[outcome], 0) << outcome;
  }
  std::string counts;
  for (const auto& [outcome, count] : outcomes) {
    counts += " " + outcome + "=" + std::to_string(count);
  }
  RecordProperty("interleavings", std::to_string(cases));
  std::cout << cases << " interleavings checked:" << counts << "\n";
}

}  // namespace
}  // namespace slipway::targets::ecs
