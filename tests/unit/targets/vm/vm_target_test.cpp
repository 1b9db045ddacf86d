// The vm target composed over a fake engine and a fake balancer: how a deploy ends, what the
// ledger and the state record, which replicas serve afterwards.
#include "targets/vm/vm_target.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>

#include "core/cancellation.hpp"
#include "fake_balancer.hpp"
#include "fake_engine.hpp"
#include "release/deployment_strategy.hpp"
#include "release/ledger.hpp"
#include "targets/vm/errors.hpp"
#include "targets/vm/lock.hpp"

namespace {

using namespace slipway::targets::vm;
using namespace slipway::targets::vm::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace release = slipway::release;

const std::string kV1 = "app:1111111111111111111111111111111111111111";
const std::string kV2 = "app:2222222222222222222222222222222222222222";

class VmTargetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("slipway_vm_target_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    config_.spec.service = "app";
    config_.spec.image_repository = "app";
    auto& vm = config_.spec.vm;
    // Fast probes and short waits: the fakes answer at once.
    vm.health_check.interval = 20ms;
    vm.health_check.timeout = 20ms;
    vm.ready_timeout = 300ms;
    vm.drain_delay = 200ms;
    vm.bake_time = 0ms;
    config_.state_dir = dir_.string();
    config_.timeout = 60s;
    config_.who = "test@host";
    workload_.desired_count = 2;
    workload_.limits.circuit_breaker_enable = true;
    workload_.limits.circuit_breaker_rollback = true;
    workload_.stop_timeout = 1s;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Builds the target over fresh fakes (the state directory persists between targets).
  VmTarget& target() {
    auto engine = std::make_unique<FakeEngine>();
    auto balancer = std::make_unique<FakeBalancer>();
    engine_ = engine.get();
    balancer_ = balancer.get();
    for (const auto& [image, behaviour] : images_) engine_->add_image(image, behaviour);
    auto* probe_engine = engine_;
    target_ = std::make_unique<VmTarget>(
        config_, events_, std::move(engine), std::move(balancer),
        [probe_engine](const ReplicaState& r) { return probe_engine->probe(r.port); });
    return *target_;
  }

  DeployReport deploy(const std::string& image) {
    release::Release next;
    next.image = image;
    next.commit = image.substr(image.find(':') + 1);
    return target_->deploy(next, workload_, {},
                           [this](const release::Release&) { return workload_; });
  }

  release::Ledger ledger() const { return release::Ledger::load(dir_ / "releases.json"); }
  VmState state() const { return load_state(StatePaths(dir_.string())); }

  fs::path dir_;
  VmConfig config_;
  release::Workload workload_;
  EventLog events_{"app", EventFormat::text, ""};
  std::map<std::string, FakeEngine::Behaviour> images_{{kV1, FakeEngine::Behaviour::healthy},
                                                       {kV2, FakeEngine::Behaviour::healthy}};
  std::unique_ptr<VmTarget> target_;
  FakeEngine* engine_ = nullptr;
  FakeBalancer* balancer_ = nullptr;
};

TEST_F(VmTargetTest, FirstDeployStartsTheReplicasAndPutsThemInRotation) {
  target();
  auto report = deploy(kV1);
  EXPECT_EQ(report.status, release::Outcome::succeeded) << report.reason;
  EXPECT_EQ(report.revision, 1);
  EXPECT_EQ(balancer_->starts(), 1);
  EXPECT_EQ(balancer_->active_images(), (std::multiset<std::string>{kV1, kV1}));
  EXPECT_EQ(engine_->running_images().size(), 2u);
  auto s = state();
  ASSERT_TRUE(s.current);
  EXPECT_EQ(s.current->revision, 1);
  EXPECT_EQ(s.replicas.size(), 2u);
  EXPECT_EQ(ledger().by_revision(1)->outcome, release::Outcome::succeeded);
}

TEST_F(VmTargetTest, SecondDeployReplacesTheOldFleet) {
  target();
  ASSERT_EQ(deploy(kV1).status, release::Outcome::succeeded);
  auto report = deploy(kV2);
  EXPECT_EQ(report.status, release::Outcome::succeeded) << report.reason;
  EXPECT_EQ(balancer_->active_images(), (std::multiset<std::string>{kV2, kV2}));
  EXPECT_EQ(balancer_->servers().size(), 2u);  // no backup left behind
  for (const auto& [name, image] : engine_->running_images()) EXPECT_EQ(image, kV2) << name;
  EXPECT_EQ(engine_->stopped().size(), 2u);
  auto s = state();
  EXPECT_EQ(s.current->revision, 2);
  ASSERT_TRUE(s.previous);
  EXPECT_EQ(s.previous->revision, 1);
  EXPECT_EQ(ledger().by_revision(2)->outcome, release::Outcome::succeeded);
}

TEST_F(VmTargetTest, ReplicasThatNeverBecomeHealthyTripTheBreakerAndRestoreThePrevious) {
  images_[kV2] = FakeEngine::Behaviour::never_ready;
  target();
  ASSERT_EQ(deploy(kV1).status, release::Outcome::succeeded);
  auto report = deploy(kV2);
  EXPECT_EQ(report.status, release::Outcome::rolled_back);
  EXPECT_NE(report.reason.find("circuit breaker"), std::string::npos) << report.reason;
  EXPECT_EQ(balancer_->active_images(), (std::multiset<std::string>{kV1, kV1}));
  for (const auto& [name, image] : engine_->running_images()) EXPECT_EQ(image, kV1) << name;
  EXPECT_EQ(state().current->revision, 1);
  EXPECT_EQ(ledger().by_revision(2)->outcome, release::Outcome::rolled_back);
}

TEST_F(VmTargetTest, ACrashingReplicaIsReplacedUntilTheBreakerTrips) {
  images_[kV2] = FakeEngine::Behaviour::crashes;
  // The engine is asked about a silent replica every 500 ms: the crash is seen before this.
  config_.spec.vm.ready_timeout = 5s;
  target();
  ASSERT_EQ(deploy(kV1).status, release::Outcome::succeeded);
  auto report = deploy(kV2);
  EXPECT_EQ(report.status, release::Outcome::rolled_back);
  EXPECT_NE(report.reason.find("crashed on start"), std::string::npos) << report.reason;
  // Two started, each failure replaced, the third failure trips the breaker (threshold 3).
  EXPECT_GE(engine_->started().size(), 2u + 3u);
  EXPECT_EQ(balancer_->active_images(), (std::multiset<std::string>{kV1, kV1}));
}

TEST_F(VmTargetTest, ABreachDuringTheBakePromotesTheWarmBackupsBack) {
  config_.spec.vm.bake_time = 300ms;
  target();
  ASSERT_EQ(deploy(kV1).status, release::Outcome::succeeded);
  balancer_->report_down(kV2);
  auto report = deploy(kV2);
  EXPECT_EQ(report.status, release::Outcome::rolled_back);
  EXPECT_NE(report.reason.find("bake"), std::string::npos) << report.reason;
  EXPECT_EQ(balancer_->active_images(), (std::multiset<std::string>{kV1, kV1}));
  // The old replicas were never stopped: they served again from their warm backup entries.
  EXPECT_EQ(engine_->running_images(),
            (std::map<std::string, std::string>{{state().replicas.at(0).name, kV1},
                                                {state().replicas.at(1).name, kV1}}));
  auto s = state();
  EXPECT_EQ(s.current->revision, 1);
  for (const auto& r : s.replicas) EXPECT_FALSE(r.backup) << r.name;
  EXPECT_EQ(ledger().by_revision(2)->outcome, release::Outcome::rolled_back);
}

TEST_F(VmTargetTest, WithoutCircuitBreakerRollbackAFailedDeployLeavesThePreviousServing) {
  workload_.limits.circuit_breaker_rollback = false;
  images_[kV2] = FakeEngine::Behaviour::crashes;
  target();
  ASSERT_EQ(deploy(kV1).status, release::Outcome::succeeded);
  auto report = deploy(kV2);
  EXPECT_EQ(report.status, release::Outcome::failed);
  EXPECT_EQ(balancer_->active_images(), (std::multiset<std::string>{kV1, kV1}));
  EXPECT_EQ(ledger().by_revision(2)->outcome, release::Outcome::failed);
}

TEST_F(VmTargetTest, RollbackRedeploysTheLastGoodRelease) {
  target();
  ASSERT_EQ(deploy(kV1).status, release::Outcome::succeeded);
  ASSERT_EQ(deploy(kV2).status, release::Outcome::succeeded);
  auto report =
      target_->rollback(std::nullopt, {}, [this](const release::Release&) { return workload_; });
  EXPECT_EQ(report.status, release::Outcome::succeeded) << report.reason;
  EXPECT_EQ(report.image, kV1);
  EXPECT_EQ(balancer_->active_images(), (std::multiset<std::string>{kV1, kV1}));
  EXPECT_EQ(ledger().by_revision(3)->rollback_of, 1);
}

TEST_F(VmTargetTest, ScaleAddsAndRetiresReplicasOfTheCurrentRelease) {
  target();
  ASSERT_EQ(deploy(kV1).status, release::Outcome::succeeded);
  auto render = [this](const release::Release&) { return workload_; };
  EXPECT_EQ(target_->scale(3, {}, render).status, release::Outcome::succeeded);
  EXPECT_EQ(balancer_->active_images().size(), 3u);
  EXPECT_EQ(target_->scale(1, {}, render).status, release::Outcome::succeeded);
  EXPECT_EQ(balancer_->active_images().size(), 1u);
  EXPECT_EQ(state().replicas.size(), 1u);
  EXPECT_EQ(state().desired_count, 1);
}

// What a run killed mid-rollout leaves (tests/integration/vm_faults_test.py kills one at each
// step): a replica it started but never admitted, and a server it filled before saving the state.
TEST_F(VmTargetTest, LeftoversOfAnInterruptedRunGoFirstAndStrayServersAreRemoved) {
  target();
  ASSERT_EQ(deploy(kV1).status, release::Outcome::succeeded);
  ReplicaLaunch launch;
  launch.name = "app-leftover-r9-9";
  launch.image = kV2;
  launch.environment["PORT"] = "9";
  auto leftover_handle = engine_->start(launch);
  auto s = state();
  ReplicaState leftover;
  leftover.name = launch.name;
  leftover.revision = 9;
  leftover.image = kV2;
  leftover.port = 9;
  leftover.supervisor_pid = leftover_handle.supervisor_pid;
  s.replicas.push_back(leftover);
  save_state(StatePaths(dir_.string()), s);
  ReplicaState ghost;
  ghost.name = "ghost";
  ghost.port = 7;
  balancer_->add(s, ghost, true);

  auto report = deploy(kV2);
  EXPECT_EQ(report.status, release::Outcome::succeeded) << report.reason;
  ASSERT_FALSE(engine_->stopped().empty());
  // Stopped before any replica that served: counted as the old fleet, it would have made the
  // rollout stop a serving replica first.
  EXPECT_EQ(engine_->stopped().front(), launch.name);
  EXPECT_FALSE(balancer_->servers().contains("b-ghost"));
  EXPECT_EQ(balancer_->active_images(), (std::multiset<std::string>{kV2, kV2}));
  EXPECT_EQ(state().replicas.size(), 2u);
}

TEST_F(VmTargetTest, AReleaseLeftInProgressWithoutAStaleLockIsRecordedFailedByTheNextRun) {
  // A run that could not write its outcome (state directory full) released its lock normally:
  // no stale lock tells the next run, yet its release must not stay in_progress forever.
  target();
  ASSERT_EQ(deploy(kV1).status, release::Outcome::succeeded);
  {
    auto ledger = release::Ledger::load((dir_ / "releases.json").string());
    release::Release stuck;
    stuck.image = kV2;
    stuck.commit = "v2";
    ledger.append(stuck);
    ledger.save();
  }
  ASSERT_EQ(ledger().by_revision(2)->outcome, release::Outcome::in_progress);
  ASSERT_EQ(deploy(kV2).status, release::Outcome::succeeded);
  const auto stuck = ledger().by_revision(2);
  EXPECT_EQ(stuck->outcome, release::Outcome::failed);
  EXPECT_NE(stuck->reason.find("without recording an outcome"), std::string::npos) << stuck->reason;
  EXPECT_EQ(ledger().by_revision(3)->outcome, release::Outcome::succeeded);
}

TEST_F(VmTargetTest, ReplicasListenOnPortsOfTheConfiguredRangeRecordedInTheState) {
  config_.spec.vm.replica_ports = {21000, 21003};
  target();
  ASSERT_EQ(deploy(kV1).status, release::Outcome::succeeded);
  ASSERT_EQ(deploy(kV2).status, release::Outcome::succeeded);  // old and new fit in 4 ports
  std::set<int> ports;
  for (const auto& r : state().replicas) {
    EXPECT_TRUE(config_.spec.vm.replica_ports.contains(r.port)) << r.name << " on " << r.port;
    ports.insert(r.port);
  }
  EXPECT_EQ(ports.size(), 2u);
  EXPECT_NE(state().next_replica_port, 0);
}

TEST_F(VmTargetTest, ARangeTooSmallForTheFleetChangesNothing) {
  config_.spec.vm.replica_ports = {21000, 21001};
  target();
  ASSERT_EQ(deploy(kV1).status, release::Outcome::succeeded);
  try {
    deploy(kV2);  // two running and two new need four ports
    FAIL() << "expected an input error";
  } catch (const slipway::core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("vm.replica_ports 21000-21001"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(ledger().by_revision(2));
  EXPECT_EQ(engine_->started().size(), 2u);
}

TEST_F(VmTargetTest, AnUnknownImageChangesNothing) {
  target();
  EXPECT_THROW(deploy("app:3333333333333333333333333333333333333333"), UnknownImage);
  EXPECT_TRUE(ledger().releases().empty());
  EXPECT_TRUE(engine_->started().empty());
  EXPECT_EQ(balancer_->starts(), 0);
}

TEST_F(VmTargetTest, DownStopsEveryReplicaAndTheBalancer) {
  target();
  ASSERT_EQ(deploy(kV1).status, release::Outcome::succeeded);
  target_->down();
  EXPECT_TRUE(engine_->running_images().empty());
  EXPECT_FALSE(balancer_->running());
  EXPECT_TRUE(state().replicas.empty());
  EXPECT_EQ(state().current->revision, 1);
}

TEST_F(VmTargetTest, ABalancerErrorAfterTheLedgerEntryStillEndsTheRunAndRestores) {
  target();
  ASSERT_EQ(deploy(kV1).status, release::Outcome::succeeded);
  // Demoting the old fleet to backups drains its active servers: the first drain fails.
  bool failed_once = false;
  balancer_->before = [&](const std::string& operation, const std::string& server) {
    if (operation == "drain" && server.find("-r1-") != std::string::npos && !failed_once) {
      failed_once = true;
      throw HaproxyError("HAProxy refused \"set server app/s1 state drain\": injected");
    }
  };
  EXPECT_THROW(deploy(kV2), HaproxyError);
  ASSERT_TRUE(failed_once);
  auto entry = ledger().by_revision(2);
  ASSERT_TRUE(entry);
  EXPECT_NE(entry->outcome, release::Outcome::in_progress);
  EXPECT_EQ(entry->outcome, release::Outcome::rolled_back) << entry->reason;
  EXPECT_NE(entry->reason.find("injected"), std::string::npos) << entry->reason;
  EXPECT_EQ(balancer_->active_images(), (std::multiset<std::string>{kV1, kV1}));
  for (const auto& [name, image] : engine_->running_images()) EXPECT_EQ(image, kV1) << name;
  EXPECT_EQ(state().current->revision, 1);
}

TEST_F(VmTargetTest, AnEngineThatCannotStartAReplicaEndsTheRunFailed) {
  target();
  ASSERT_EQ(deploy(kV1).status, release::Outcome::succeeded);
  engine_->fail_starts_of(kV2);  // the image exists, start() refuses: after the ledger entry
  EXPECT_THROW(deploy(kV2), EngineError);
  EXPECT_EQ(ledger().by_revision(2)->outcome, release::Outcome::rolled_back);
  EXPECT_EQ(balancer_->active_images(), (std::multiset<std::string>{kV1, kV1}));
}

TEST_F(VmTargetTest, CancellationDuringTheBakeRestoresThePreviousAndRecordsTheOutcome) {
  config_.spec.vm.bake_time = 30s;
  target();
  ASSERT_EQ(deploy(kV1).status, release::Outcome::succeeded);
  // The bake samples the balancer's counters while the old fleet waits as backups (none
  // draining any more): the first such sample asks to cancel, as SIGINT's handler would.
  bool requested = false;
  balancer_->before = [&](const std::string& operation, const std::string&) {
    if (operation != "stats" || requested) return;
    bool backups = false;
    bool draining = false;
    for (const auto& [name, server] : balancer_->servers()) {
      backups = backups || server.backup;
      draining = draining || server.state == "DRAIN";
    }
    if (backups && !draining) {
      requested = true;
      slipway::core::request_cancellation();
    }
  };
  EXPECT_THROW(deploy(kV2), slipway::core::Cancelled);
  slipway::core::reset_cancellation();
  ASSERT_TRUE(requested);
  auto entry = ledger().by_revision(2);
  EXPECT_EQ(entry->outcome, release::Outcome::rolled_back) << entry->reason;
  EXPECT_NE(entry->reason.find("interrupted"), std::string::npos) << entry->reason;
  EXPECT_EQ(balancer_->active_images(), (std::multiset<std::string>{kV1, kV1}));
  for (const auto& [name, image] : engine_->running_images()) EXPECT_EQ(image, kV1) << name;
  EXPECT_EQ(state().current->revision, 1);
  // The lock went with the run: the next command takes it.
  EXPECT_FALSE(fs::exists(dir_ / "lock"));
  EXPECT_NO_THROW(StateLock((dir_ / "lock").string(), "slipway status", 3600s));
}

TEST_F(VmTargetTest, PruneKeepsTheLastGoodReleasesAndWhatRunsAndRemovesTheRest) {
  const std::string v3 = "app:3333333333333333333333333333333333333333";
  images_[v3] = FakeEngine::Behaviour::healthy;
  target();
  for (const auto& image : {kV1, kV2, v3})
    ASSERT_EQ(deploy(image).status, release::Outcome::succeeded);
  engine_->add_image("other:1111111111111111111111111111111111111111");  // not this stack's
  auto dry = target_->prune(1, true);
  EXPECT_EQ(dry.removed, std::vector<std::string>{kV1});
  EXPECT_TRUE(engine_->image_exists(kV1));
  auto report = target_->prune(1, false);
  EXPECT_EQ(report.removed, std::vector<std::string>{kV1});
  EXPECT_FALSE(engine_->image_exists(kV1));
  EXPECT_TRUE(engine_->image_exists(kV2));  // previous
  EXPECT_TRUE(engine_->image_exists(v3));   // current
  EXPECT_TRUE(engine_->image_exists("other:1111111111111111111111111111111111111111"));
}

TEST_F(VmTargetTest, PruneWaitsForTheStateLockInsteadOfRacingADeploy) {
  const std::string v3 = "app:3333333333333333333333333333333333333333";
  images_[v3] = FakeEngine::Behaviour::healthy;
  target();
  for (const auto& image : {kV1, kV2, v3})
    ASSERT_EQ(deploy(image).status, release::Outcome::succeeded);
  // A rollback to kV1 holds the lock (this process stands for it: alive, on this host); prune
  // would otherwise remove the image it is about to start.
  StateLock rolling_back((dir_ / "lock").string(), "slipway rollback --to 1", 3600s);
  EXPECT_THROW(target_->prune(1, false), LockedError);
  EXPECT_TRUE(engine_->image_exists(kV1));
}

// BLUE_GREEN: 1 of the service file's minutes lasts 100 ms here.
class VmBlueGreenTest : public VmTargetTest {
 protected:
  void blue_green(const std::string& hooks = "[]") {
    config_.spec.vm.strategy_minute = 100ms;
    workload_.strategy = release::read_deployment_strategy(
        boost::json::parse(R"({"strategy":"BLUE_GREEN","bakeTimeInMinutes":2,"lifecycleHooks":)" +
                           hooks + "}")
            .as_object(),
        "service.json", "deploymentConfiguration");
  }
  // Every balancer operation on a server, in order: "add b-app-...-r2-3".
  void record_operations() {
    balancer_->before = [this](const std::string& operation, const std::string& server) {
      if (!server.empty()) operations_.push_back(operation + " " + server);
      if (operation == "set_weights") operations_.push_back(operation);
    };
  }
  std::vector<std::string> operations_;
};

bool of_revision(const std::string& operation, int revision) {
  return operation.find("-r" + std::to_string(revision) + "-") != std::string::npos;
}

TEST_F(VmBlueGreenTest, GreenStandsUpAtWeightZeroThenProductionSwitchesInOneCommand) {
  blue_green();  // the target copies the spec: before target()
  target();
  ASSERT_EQ(deploy(kV1).status, release::Outcome::succeeded);
  record_operations();
  std::multiset<std::string> before_switch;
  auto base = balancer_->before;
  balancer_->before = [&](const std::string& operation, const std::string& server) {
    if (operation == "set_weights" && balancer_->weight_changes.empty())
      before_switch = balancer_->active_images();
    base(operation, server);
  };
  auto report = deploy(kV2);
  EXPECT_EQ(report.status, release::Outcome::succeeded) << report.reason;
  EXPECT_EQ(balancer_->active_images(), (std::multiset<std::string>{kV2, kV2}));
  // Both green replicas were in rotation, healthy, taking nothing, when the switch came.
  EXPECT_EQ(before_switch, (std::multiset<std::string>{kV1, kV1}));
  std::vector<std::string> green_adds;
  for (const auto& op : operations_) {
    if (op.starts_with("add ") && of_revision(op, 2)) green_adds.push_back(op.substr(4, 2));
  }
  EXPECT_EQ(green_adds, (std::vector<std::string>{"s-", "s-"}));
  // The switch is one command: green up, blue to 0. Blue is drained only after it.
  ASSERT_EQ(balancer_->weight_changes.size(), 1u);
  for (const auto& [server, weight] : balancer_->weight_changes[0]) {
    EXPECT_EQ(weight, of_revision(server, 2) ? 1 : 0) << server;
  }
  EXPECT_EQ(balancer_->weight_changes[0].size(), 4u);
  auto first_blue_drain = std::find_if(operations_.begin(), operations_.end(), [](const auto& op) {
    return op.starts_with("drain s-") && of_revision(op, 1);
  });
  auto the_switch = std::find(operations_.begin(), operations_.end(), "set_weights");
  EXPECT_LT(std::distance(operations_.begin(), the_switch),
            std::distance(operations_.begin(), first_blue_drain));
  for (const auto& [name, image] : engine_->running_images()) EXPECT_EQ(image, kV2) << name;
  EXPECT_EQ(ledger().by_revision(2)->outcome, release::Outcome::succeeded);
  EXPECT_EQ(ledger().by_revision(2)->strategy, "BLUE_GREEN");
}

TEST_F(VmBlueGreenTest, AHookFailingBeforeTheSwitchDropsGreenAndBlueNeverStopsServing) {
  config_.spec.vm.lifecycle_hooks = {{"smoke", "echo 'GET /version: 500' >&2; exit 4"}};
  blue_green(R"([{"hookTargetArn":"arn:aws:lambda:us-east-1:1:function:smoke",
                 "lifecycleStages":["POST_SCALE_UP"]}])");
  target();
  // A first deploy has no blue fleet: it starts as a rolling one, no hook runs.
  ASSERT_EQ(deploy(kV1).status, release::Outcome::succeeded);
  record_operations();
  auto report = deploy(kV2);
  EXPECT_EQ(report.status, release::Outcome::rolled_back);
  EXPECT_EQ(report.reason, "lifecycle hook smoke at POST_SCALE_UP exited 4: GET /version: 500");
  EXPECT_EQ(balancer_->active_images(), (std::multiset<std::string>{kV1, kV1}));
  // Green never got a weight: it took no request.
  EXPECT_TRUE(balancer_->weight_changes.empty());
  for (const auto& op : operations_) {
    EXPECT_FALSE(op.starts_with("drain s-") && of_revision(op, 1)) << "blue drained: " << op;
  }
  for (const auto& [name, image] : engine_->running_images()) EXPECT_EQ(image, kV1) << name;
  EXPECT_EQ(state().current->revision, 1);
  EXPECT_EQ(ledger().by_revision(2)->outcome, release::Outcome::rolled_back);
}

TEST_F(VmBlueGreenTest, ABreachInTheBakeSwitchesBackToWarmBlue) {
  blue_green();
  target();
  ASSERT_EQ(deploy(kV1).status, release::Outcome::succeeded);
  balancer_->report_down(kV2);
  auto blue = state().replicas;
  auto report = deploy(kV2);
  EXPECT_EQ(report.status, release::Outcome::rolled_back);
  EXPECT_NE(report.reason.find("bake:"), std::string::npos) << report.reason;
  EXPECT_EQ(balancer_->active_images(), (std::multiset<std::string>{kV1, kV1}));
  // The switch and the switch back: one command each.
  ASSERT_EQ(balancer_->weight_changes.size(), 2u);
  for (const auto& [server, weight] : balancer_->weight_changes[1]) {
    EXPECT_EQ(weight, of_revision(server, 2) ? 0 : 1) << server;
  }
  // Blue was kept warm, never restarted: the same replicas serve again.
  ASSERT_EQ(blue.size(), 2u);
  EXPECT_EQ(engine_->running_images(),
            (std::map<std::string, std::string>{{blue[0].name, kV1}, {blue[1].name, kV1}}));
  EXPECT_EQ(state().current->revision, 1);
  EXPECT_EQ(ledger().by_revision(2)->outcome, release::Outcome::rolled_back);
}

TEST_F(VmBlueGreenTest, TheTestListenerServesGreenOnlyFromTestTrafficShiftToTheSwitch) {
  config_.spec.vm.test_listener_port = 18080;
  blue_green();
  target();
  ASSERT_EQ(deploy(kV1).status, release::Outcome::succeeded);
  record_operations();
  std::multiset<std::string> behind_test_listener;
  auto base = balancer_->before;
  balancer_->before = [&](const std::string& operation, const std::string& server) {
    if (operation == "stop_test_traffic" && behind_test_listener.empty())
      behind_test_listener = balancer_->test_servers;
    base(operation, server);
    if (operation.ends_with("test_traffic")) operations_.push_back(operation);
  };
  auto report = deploy(kV2);
  EXPECT_EQ(report.status, release::Outcome::succeeded) << report.reason;
  EXPECT_EQ(behind_test_listener, (std::multiset<std::string>{kV2, kV2}));
  EXPECT_TRUE(balancer_->test_servers.empty());
  std::vector<std::string> order;
  for (const auto& op : operations_) {
    if (op.ends_with("test_traffic") || op == "set_weights") order.push_back(op);
  }
  EXPECT_EQ(order,
            (std::vector<std::string>{"route_test_traffic", "stop_test_traffic", "set_weights"}));
}

TEST_F(VmBlueGreenTest, AHookFailingUnderTestTrafficClosesTheTestListenerAndDropsGreen) {
  config_.spec.vm.test_listener_port = 18080;
  config_.spec.vm.lifecycle_hooks = {{"smoke", "exit 6"}};
  blue_green(R"([{"hookTargetArn":"arn:aws:lambda:us-east-1:1:function:smoke",
                 "lifecycleStages":["POST_TEST_TRAFFIC_SHIFT"]}])");
  target();
  ASSERT_EQ(deploy(kV1).status, release::Outcome::succeeded);
  auto report = deploy(kV2);
  EXPECT_EQ(report.status, release::Outcome::rolled_back);
  EXPECT_TRUE(balancer_->test_servers.empty());
  EXPECT_TRUE(balancer_->weight_changes.empty());
  EXPECT_EQ(balancer_->active_images(), (std::multiset<std::string>{kV1, kV1}));
}

class VmProgressiveTest : public VmBlueGreenTest {  // for record_operations()
 protected:
  // CANARY or LINEAR with one minute = 40 ms; the target copies the spec: call before target().
  void strategy(const std::string& configuration) {
    config_.spec.vm.strategy_minute = 40ms;
    workload_.strategy = release::read_deployment_strategy(
        boost::json::parse(configuration).as_object(), "service.json", "deploymentConfiguration");
  }
  // Each stats() call adds 20 responses to every server that has weight, `errors_of(image)` of
  // them 5xx, and reports `response_ms(image)` as its rtime.
  void serve(std::function<int(const std::string&)> errors_of,
             std::function<int(const std::string&)> response_ms) {
    balancer_->counters = [this, errors_of, response_ms](ServerStat& stat,
                                                         const FakeBalancer::Server& server) {
      auto& served = served_[stat.server];
      if (server.weight > 0 && !server.backup && server.state == "UP") {
        served.first += 20;
        served.second += errors_of(server.image);
      }
      stat.responses = served.first;
      stat.responses_5xx = served.second;
      stat.response_time_ms = response_ms(server.image);
    };
  }
  // The weights of every set_weights() call, as "image:weight" sorted: one string per call.
  std::vector<std::string> weight_changes() const {
    std::vector<std::string> out;
    for (const auto& change : balancer_->weight_changes) {
      std::vector<std::string> parts;
      for (const auto& [server, weight] : change) {
        parts.push_back((of_revision(server, 2) ? "v2:" : "v1:") + std::to_string(weight));
      }
      std::sort(parts.begin(), parts.end());
      std::string joined;
      for (const auto& part : parts) joined += (joined.empty() ? "" : " ") + part;
      out.push_back(joined);
    }
    return out;
  }
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> served_;
};

TEST_F(VmProgressiveTest, AGoodCanaryTakesItsShareThenAllTrafficThenBlueLeaves) {
  strategy(R"({"strategy":"CANARY","bakeTimeInMinutes":2,
               "canaryConfiguration":{"canaryPercent":10,"canaryBakeTimeInMinutes":5}})");
  target();
  ASSERT_EQ(deploy(kV1).status, release::Outcome::succeeded);
  serve([](const std::string&) { return 0; }, [](const std::string&) { return 10; });
  // When the first split is set, green is in rotation but has taken no request (weight 0).
  std::multiset<std::string> before_first_split;
  balancer_->before = [&](const std::string& operation, const std::string&) {
    if (operation == "set_weights" && balancer_->weight_changes.empty())
      before_first_split = balancer_->active_images();
  };
  auto report = deploy(kV2);
  EXPECT_EQ(report.status, release::Outcome::succeeded) << report.reason;
  EXPECT_EQ(before_first_split, (std::multiset<std::string>{kV1, kV1}));
  // 10 % of two servers against two: 28:252 gives 10.0 %; then all of it; then the default
  // weight for green while blue, at 0, leaves.
  EXPECT_EQ(weight_changes(),
            (std::vector<std::string>{"v1:252 v1:252 v2:28 v2:28", "v1:0 v1:0 v2:256 v2:256",
                                      "v1:0 v1:0 v2:1 v2:1"}));
  EXPECT_EQ(balancer_->counter_clears, 1);
  EXPECT_EQ(balancer_->active_images(), (std::multiset<std::string>{kV2, kV2}));
  for (const auto& [name, image] : engine_->running_images()) EXPECT_EQ(image, kV2) << name;
  EXPECT_EQ(state().current->revision, 2);
  EXPECT_EQ(ledger().by_revision(2)->outcome, release::Outcome::succeeded);
  // The ledger: the strategy, the last stage, each step with its weights, figures and verdict.
  const auto recorded = *ledger().by_revision(2);
  EXPECT_EQ(recorded.strategy, "CANARY");
  EXPECT_EQ(recorded.stage, "CLEAN_UP");
  ASSERT_EQ(recorded.steps.size(), 3u);
  const auto canary = boost::json::parse(recorded.steps[0]).as_object();
  EXPECT_EQ(canary.at("step"), 1);
  EXPECT_EQ(canary.at("new_weight"), 28);
  EXPECT_EQ(canary.at("verdict"), "passed");
  EXPECT_GT(canary.at("responses").as_int64(), 0);
  EXPECT_EQ(canary.at("responses_5xx"), 0);
  EXPECT_EQ(canary.at("mean_response_ms"), 10.0);
  EXPECT_EQ(boost::json::parse(recorded.steps[1]).at("new_share_percent"), 100.0);
  EXPECT_EQ(boost::json::parse(recorded.steps[2]).at("stage"), "BAKE_TIME");
  // A first deploy ran as a rolling one, and says so.
  EXPECT_EQ(ledger().by_revision(1)->strategy, "ROLLING");
}

TEST_F(VmProgressiveTest, ACanaryAnswering5xxPutsAllTrafficBackInOneCommand) {
  strategy(R"({"strategy":"CANARY","canaryConfiguration":{"canaryPercent":10,
               "canaryBakeTimeInMinutes":50}})");
  target();
  ASSERT_EQ(deploy(kV1).status, release::Outcome::succeeded);
  auto blue = state().replicas;
  serve([](const std::string& image) { return image == kV2 ? 2 : 0; },
        [](const std::string&) { return 10; });
  record_operations();
  auto report = deploy(kV2);
  EXPECT_EQ(report.status, release::Outcome::rolled_back);
  EXPECT_TRUE(report.reason.starts_with("step 1/2 (10.0%): ")) << report.reason;
  EXPECT_NE(report.reason.find("were 5xx"), std::string::npos) << report.reason;
  // Caught at its first samples (20 responses per balancer read), not at the end of the step.
  for (const auto& [server, served] : served_) {
    if (of_revision(server, 2)) {
      EXPECT_LE(served.first, 10 * 20) << server;
    }
  }
  EXPECT_EQ(weight_changes(),
            (std::vector<std::string>{"v1:252 v1:252 v2:28 v2:28", "v1:1 v1:1 v2:0 v2:0"}));
  EXPECT_EQ(balancer_->active_images(), (std::multiset<std::string>{kV1, kV1}));
  for (const auto& op : operations_) {
    EXPECT_FALSE(op.starts_with("drain ") && of_revision(op, 1)) << "blue drained: " << op;
  }
  EXPECT_EQ(engine_->running_images(),
            (std::map<std::string, std::string>{{blue[0].name, kV1}, {blue[1].name, kV1}}));
  EXPECT_EQ(state().current->revision, 1);
  EXPECT_EQ(ledger().by_revision(2)->outcome, release::Outcome::rolled_back);
  const auto recorded = *ledger().by_revision(2);
  ASSERT_EQ(recorded.steps.size(), 1u);
  const auto canary = boost::json::parse(recorded.steps[0]).as_object();
  EXPECT_EQ(canary.at("verdict"), "breached");
  EXPECT_GE(canary.at("responses_5xx").as_int64(), 3);
  EXPECT_NE(canary.at("reason").as_string().find("were 5xx"), std::string::npos);
}

TEST_F(VmProgressiveTest, ALinearReleaseThatIsOnlySlowerIsCaughtAtTheFirstStep) {
  strategy(R"({"strategy":"LINEAR","linearConfiguration":{"stepPercent":25,
               "stepBakeTimeInMinutes":50}})");
  target();
  ASSERT_EQ(deploy(kV1).status, release::Outcome::succeeded);
  serve([](const std::string&) { return 0; },
        [](const std::string& image) { return image == kV2 ? 30 : 10; });
  auto report = deploy(kV2);
  EXPECT_EQ(report.status, release::Outcome::rolled_back);
  EXPECT_TRUE(report.reason.starts_with("step 1/4 (25.0%): the new release answers in 30 ms"))
      << report.reason;
  EXPECT_EQ(weight_changes(),
            (std::vector<std::string>{"v1:255 v1:255 v2:85 v2:85", "v1:1 v1:1 v2:0 v2:0"}));
  EXPECT_EQ(balancer_->active_images(), (std::multiset<std::string>{kV1, kV1}));
  EXPECT_EQ(ledger().by_revision(2)->outcome, release::Outcome::rolled_back);
  // This balancer logs no response: the step says the tail was not judged, and why.
  const auto step = boost::json::parse(ledger().by_revision(2)->steps.at(0)).as_object();
  EXPECT_EQ(step.at("tail_judge"), false);
  EXPECT_EQ(step.at("tail_judge_unavailable"), "the balancer logs no responses");
  EXPECT_FALSE(step.contains("p99_ms"));
}

// The share of revision 2 among active servers, by `weight_of` each server.
double share_of_v2(const std::vector<std::pair<std::string, int>>& weights) {
  double fresh = 0;
  double total = 0;
  for (const auto& [server, weight] : weights) {
    total += weight;
    if (of_revision(server, 2)) fresh += weight;
  }
  return total == 0 ? 0 : fresh / total;
}

TEST_F(VmProgressiveTest, TheStateRecordsEverySplitNeverBelowTheLiveOne) {
  strategy(R"({"strategy":"CANARY","canaryConfiguration":{"canaryPercent":10,
               "canaryBakeTimeInMinutes":50}})");
  target();
  ASSERT_EQ(deploy(kV1).status, release::Outcome::succeeded);
  serve([](const std::string& image) { return image == kV2 ? 2 : 0; },
        [](const std::string&) { return 10; });
  // At each weights command, what state.json records (what a restarted HAProxy and the next
  // command's repair go by) gives revision 2 at least the share it had and the share it gets.
  std::vector<std::string> checked;
  balancer_->before = [&](const std::string& operation, const std::string&) {
    if (operation != "set_weights") return;
    std::vector<std::pair<std::string, int>> live;
    for (const auto& [name, server] : balancer_->servers()) {
      if (!server.backup) live.emplace_back(name, server.weight);
    }
    std::vector<std::pair<std::string, int>> recorded;
    for (const auto& r : state().replicas) {
      if (r.in_haproxy && !r.backup) recorded.emplace_back(r.server, r.weight);
    }
    EXPECT_GE(share_of_v2(recorded), share_of_v2(live)) << checked.size();
    checked.push_back(std::to_string(share_of_v2(recorded)));
  };
  auto report = deploy(kV2);
  EXPECT_EQ(report.status, release::Outcome::rolled_back) << report.reason;
  // The canary step was recorded before HAProxy got it; the shift back after it.
  EXPECT_EQ(checked, (std::vector<std::string>{"0.100000", "0.100000"}));
  EXPECT_EQ(weight_changes(),
            (std::vector<std::string>{"v1:252 v1:252 v2:28 v2:28", "v1:1 v1:1 v2:0 v2:0"}));
  // Afterwards the state records what HAProxy has.
  for (const auto& r : state().replicas) {
    EXPECT_EQ(r.weight, balancer_->servers().at(r.server).weight) << r.name;
  }
}

TEST_F(VmProgressiveTest, ABalancerRestartedAtAStepComesBackWithTheStepsSplit) {
  strategy(R"({"strategy":"LINEAR","linearConfiguration":{"stepPercent":25,
               "stepBakeTimeInMinutes":2}})");
  target();
  ASSERT_EQ(deploy(kV1).status, release::Outcome::succeeded);
  serve([](const std::string&) { return 0; }, [](const std::string&) { return 10; });
  // The first sample after the first step: HAProxy restarts from what the state records.
  std::string after_restart;
  balancer_->before = [&](const std::string& operation, const std::string&) {
    if (operation != "stats" || balancer_->weight_changes.size() != 1 || !after_restart.empty())
      return;
    auto recorded = state();
    balancer_->stop();
    balancer_->start(recorded);
    std::vector<std::string> parts;
    for (const auto& [name, server] : balancer_->servers()) {
      if (!server.backup)
        parts.push_back((server.image == kV2 ? "v2:" : "v1:") + std::to_string(server.weight));
    }
    std::sort(parts.begin(), parts.end());
    for (const auto& part : parts) after_restart += (after_restart.empty() ? "" : " ") + part;
  };
  auto report = deploy(kV2);
  EXPECT_EQ(report.status, release::Outcome::succeeded) << report.reason;
  EXPECT_EQ(weight_changes()[0], "v1:255 v1:255 v2:85 v2:85");
  EXPECT_EQ(after_restart, "v1:255 v1:255 v2:85 v2:85");
}

TEST_F(VmProgressiveTest, ALinearReleaseSlowerOnlyInItsTailIsCaughtFromTheResponseLog) {
  strategy(R"({"strategy":"LINEAR","linearConfiguration":{"stepPercent":25,
               "stepBakeTimeInMinutes":50}})");
  target();
  ASSERT_EQ(deploy(kV1).status, release::Outcome::succeeded);
  // The same mean for both (the mean judge sees nothing) ...
  serve([](const std::string&) { return 0; }, [](const std::string&) { return 10; });
  // ... but every 25th response of the new release takes 50 ms. At the second read the stream
  // ends (a HAProxy reload): the judge opens the new one and goes on.
  int reads = 0;
  int fresh_served = 0;
  balancer_->response_log = [&] {
    if (++reads == 2) throw HaproxyError("HAProxy closed its response event stream");
    std::vector<ResponseRecord> records;
    for (const auto& [name, server] : balancer_->servers()) {
      if (server.weight == 0 || server.backup) continue;
      for (int i = 0; i < 20; ++i) {
        bool slow = server.image == kV2 && ++fresh_served % 25 == 0;
        records.push_back({name, slow ? 50 : 10, 200});
      }
    }
    return records;
  };
  auto report = deploy(kV2);
  EXPECT_EQ(report.status, release::Outcome::rolled_back);
  EXPECT_TRUE(
      report.reason.starts_with("step 1/4 (25.0%): the new release's p99 response time is "
                                "50 ms over "))
      << report.reason;
  EXPECT_EQ(balancer_->feeds_opened, 2);
  EXPECT_EQ(balancer_->active_images(), (std::multiset<std::string>{kV1, kV1}));
  const auto step = boost::json::parse(ledger().by_revision(2)->steps.at(0)).as_object();
  EXPECT_EQ(step.at("tail_judge"), true);
  EXPECT_EQ(step.at("p99_ms"), 50);
  EXPECT_EQ(step.at("previous_p99_ms"), 10);
  EXPECT_EQ(step.at("mean_response_ms"), 10.0);
  EXPECT_GE(step.at("latency_samples").as_int64(), 100);
}

// What a SIGKILL leaves: the deploy stops dead where `before` throws this (no catch of a
// std::exception sees it, so no restore runs), its lock is rewritten as a dead process's.
struct Killed {};

void write_stale_lock(const fs::path& dir, const std::string& command) {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);  // a PID that no longer runs
  std::ofstream(dir / "lock") << R"({"pid":)" << child << R"(,"host":")" << host_name()
                              << R"(","command":")" << command << R"(","started_at":)"
                              << std::time(nullptr) << "}";
}

TEST_F(VmProgressiveTest, ACanaryKilledAtItsStepIsRolledBackByTheNextCommand) {
  strategy(R"({"strategy":"CANARY","canaryConfiguration":{"canaryPercent":10,
               "canaryBakeTimeInMinutes":50}})");
  target();
  ASSERT_EQ(deploy(kV1).status, release::Outcome::succeeded);
  auto blue = state().replicas;
  serve([](const std::string&) { return 0; }, [](const std::string&) { return 10; });
  balancer_->before = [&](const std::string& operation, const std::string&) {
    if (operation == "stats" && balancer_->weight_changes.size() == 1) throw Killed{};
  };
  EXPECT_THROW(deploy(kV2), Killed);
  balancer_->before = nullptr;
  write_stale_lock(dir_, "slipway deploy " + kV2);
  ASSERT_EQ(ledger().by_revision(2)->outcome, release::Outcome::in_progress);
  ASSERT_EQ(balancer_->active_images(), (std::multiset<std::string>{kV1, kV1, kV2, kV2}));

  // `status` is the next command: it repairs (nobody live holds the lock), then reports.
  auto status = target_->status();
  EXPECT_EQ(weight_changes(),
            (std::vector<std::string>{"v1:252 v1:252 v2:28 v2:28", "v1:1 v1:1 v2:0 v2:0"}));
  EXPECT_EQ(balancer_->active_images(), (std::multiset<std::string>{kV1, kV1}));
  EXPECT_EQ(engine_->running_images(),
            (std::map<std::string, std::string>{{blue[0].name, kV1}, {blue[1].name, kV1}}));
  EXPECT_EQ(status.state.current->revision, 1);
  EXPECT_EQ(status.state.replicas.size(), 2u);
  for (const auto& r : status.state.replicas) EXPECT_EQ(r.weight, 1) << r.name;
  const auto entry = *ledger().by_revision(2);
  EXPECT_EQ(entry.outcome, release::Outcome::rolled_back);
  EXPECT_NE(entry.reason.find("interrupted: `slipway deploy " + kV2 + "`"), std::string::npos)
      << entry.reason;
  EXPECT_NE(entry.reason.find("at stage PRODUCTION_TRAFFIC_SHIFT, step 1/2; all traffic back on "
                              "revision 1"),
            std::string::npos)
      << entry.reason;
  EXPECT_FALSE(fs::exists(dir_ / "lock"));
  // Nothing left to repair: the next deploy starts from revision 1 alone.
  EXPECT_EQ(deploy(kV2).status, release::Outcome::succeeded);
}

TEST_F(VmBlueGreenTest, AGreenKilledInItsBakeIsSwitchedBackByTheNextDeploy) {
  blue_green();
  target();
  ASSERT_EQ(deploy(kV1).status, release::Outcome::succeeded);
  balancer_->before = [&](const std::string& operation, const std::string&) {
    if (operation == "stats" && balancer_->weight_changes.size() == 1) throw Killed{};
  };
  EXPECT_THROW(deploy(kV2), Killed);  // killed in the bake, green serving, blue warm
  balancer_->before = nullptr;
  write_stale_lock(dir_, "slipway deploy " + kV2);
  ASSERT_EQ(balancer_->active_images(), (std::multiset<std::string>{kV2, kV2}));
  ASSERT_EQ(state().current->revision, 2);
  EXPECT_EQ(deploy(kV1).status, release::Outcome::succeeded);
  // The repair switched back in one command before the deploy did anything.
  ASSERT_GE(balancer_->weight_changes.size(), 2u);
  for (const auto& [server, weight] : balancer_->weight_changes[1]) {
    EXPECT_EQ(weight, of_revision(server, 2) ? 0 : 1) << server;
  }
  EXPECT_EQ(ledger().by_revision(2)->outcome, release::Outcome::rolled_back);
  EXPECT_NE(ledger().by_revision(2)->reason.find("at stage BAKE_TIME"), std::string::npos)
      << ledger().by_revision(2)->reason;
}

TEST_F(VmBlueGreenTest, ARollbackRequestInTheBakeSwitchesBackInOneCommand) {
  blue_green();
  target();
  ASSERT_EQ(deploy(kV1).status, release::Outcome::succeeded);
  const StatePaths paths(dir_.string());
  balancer_->before = [&](const std::string& operation, const std::string&) {
    // In the bake (after the switch): what `slipway rollback` writes.
    if (operation == "stats" && balancer_->weight_changes.size() == 1 &&
        !fs::exists(paths.rollback_request_file())) {
      std::ofstream(paths.rollback_request_file())
          << R"({"revision":2,"requested_by":"ops@host","pid":1})";
    }
  };
  auto report = deploy(kV2);
  EXPECT_EQ(report.status, release::Outcome::rolled_back);
  EXPECT_NE(report.reason.find("rollback requested by ops@host"), std::string::npos)
      << report.reason;
  ASSERT_EQ(balancer_->weight_changes.size(), 2u);
  for (const auto& [server, weight] : balancer_->weight_changes[1]) {
    EXPECT_EQ(weight, of_revision(server, 2) ? 0 : 1) << server;
  }
  EXPECT_EQ(balancer_->active_images(), (std::multiset<std::string>{kV1, kV1}));
  EXPECT_EQ(state().current->revision, 1);
  // A request for another revision is not this run's.
  std::ofstream(paths.rollback_request_file())
      << R"({"revision":2,"requested_by":"ops@host","pid":1})";
  balancer_->before = nullptr;
  EXPECT_EQ(deploy(kV2).status, release::Outcome::succeeded);
}

TEST_F(VmProgressiveTest, AHookFailingAtAProductionShiftShiftsBack) {
  config_.spec.vm.lifecycle_hooks = {
      {"gate", "test \"$SLIPWAY_LIFECYCLE_STAGE\" != PRODUCTION_TRAFFIC_SHIFT || exit 5"}};
  strategy(R"({"strategy":"LINEAR","linearConfiguration":{"stepPercent":50,
               "stepBakeTimeInMinutes":1},
               "lifecycleHooks":[{"hookTargetArn":"arn:aws:lambda:us-east-1:1:function:gate",
               "lifecycleStages":["POST_SCALE_UP","PRODUCTION_TRAFFIC_SHIFT"]}]})");
  target();
  ASSERT_EQ(deploy(kV1).status, release::Outcome::succeeded);
  auto report = deploy(kV2);
  EXPECT_EQ(report.status, release::Outcome::rolled_back);
  EXPECT_TRUE(
      report.reason.starts_with("step 1/2 (50.0%): lifecycle hook gate at "
                                "PRODUCTION_TRAFFIC_SHIFT exited 5"))
      << report.reason;
  EXPECT_EQ(weight_changes(),
            (std::vector<std::string>{"v1:256 v1:256 v2:256 v2:256", "v1:1 v1:1 v2:0 v2:0"}));
  EXPECT_EQ(balancer_->active_images(), (std::multiset<std::string>{kV1, kV1}));
  EXPECT_EQ(state().current->revision, 1);
}

}  // namespace
