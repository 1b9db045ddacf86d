#include "targets/vm/state.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>

#include "core/errors.hpp"
#include "targets/vm/errors.hpp"
#include "targets/vm/events.hpp"
#include "targets/vm/lock.hpp"

namespace {

using namespace slipway::targets::vm;
using namespace std::chrono_literals;

class StateDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("slipway_vm_state_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(StateDir, RoundTripsEverything) {
  StatePaths paths(dir_.string());
  EXPECT_TRUE(load_state(paths).replicas.empty());
  VmState state;
  state.service = "app";
  state.engine = "process";
  state.current = ReleaseRef{3, std::string(40, 'c'), "app:c"};
  state.previous = ReleaseRef{2, std::string(40, 'b'), "app:b"};
  state.desired_count = 4;
  state.next_replica_number = 9;
  state.replicas.push_back({"app-r3-8",
                            3,
                            "app:c",
                            40000,
                            1234,
                            true,
                            true,
                            12,
                            "",
                            "b2",
                            "",
                            {{"DATABASE_PASSWORD", "v-7"}, {"COUNT", "3"}},
                            28});
  state.slots = 16;
  state.backup_slots = 8;
  save_state(paths, state);
  auto loaded = load_state(paths);
  EXPECT_EQ(loaded.service, "app");
  EXPECT_EQ(loaded.current->revision, 3);
  EXPECT_EQ(loaded.previous->image, "app:b");
  EXPECT_EQ(loaded.desired_count, 4);
  EXPECT_EQ(loaded.next_replica_number, 9);
  ASSERT_EQ(loaded.replicas.size(), 1u);
  EXPECT_EQ(loaded.replicas[0].port, 40000);
  EXPECT_EQ(loaded.replicas[0].supervisor_pid, 1234);
  EXPECT_TRUE(loaded.replicas[0].backup);
  EXPECT_TRUE(loaded.replicas[0].in_haproxy);
  EXPECT_EQ(loaded.replicas[0].stop_timeout_seconds, 12);
  EXPECT_EQ(loaded.replicas[0].server, "");
  EXPECT_EQ(loaded.replicas[0].backup_server, "b2");
  EXPECT_EQ(loaded.replicas[0].secret_versions,
            (std::map<std::string, std::string>{{"COUNT", "3"}, {"DATABASE_PASSWORD", "v-7"}}));
  EXPECT_EQ(loaded.replicas[0].weight, 28);
  EXPECT_EQ(loaded.slots, 16);
  EXPECT_EQ(loaded.backup_slots, 8);
}

TEST_F(StateDir, StateFromBeforeSlotsNamesServersAfterReplicas) {
  // A HAProxy started by an older slipway has dynamic servers named after the replicas.
  StatePaths paths(dir_.string());
  std::ofstream(paths.state_file())
      << R"({"service":"app","engine":"process","current":null,"previous":null,)"
      << R"("next_replica_number":3,"desired_count":null,"replicas":[)"
      << R"({"name":"app-r1-1","revision":1,"image":"app:a","port":40001,"supervisor_pid":0,)"
      << R"("backup":false,"in_haproxy":true,"stop_timeout_seconds":30},)"
      << R"({"name":"app-r1-2","revision":1,"image":"app:a","port":40002,"supervisor_pid":0,)"
      << R"("backup":true,"in_haproxy":true,"stop_timeout_seconds":30}]})";
  auto loaded = load_state(paths);
  EXPECT_EQ(loaded.slots, 0);
  EXPECT_EQ(loaded.replicas[0].server, "app-r1-1");
  EXPECT_EQ(loaded.replicas[1].backup_server, "app-r1-2.backup");
  EXPECT_EQ(loaded.replicas[1].server, "");
}

TEST_F(StateDir, CorruptStateIsAnErrorNamingTheFile) {
  StatePaths paths(dir_.string());
  std::ofstream(paths.state_file()) << "{}";
  try {
    load_state(paths);
    FAIL();
  } catch (const slipway::core::SystemError& e) {
    EXPECT_NE(std::string(e.what()).find("state.json"), std::string::npos);
  }
}

TEST_F(StateDir, ADamagedStateFileIsOneLineNamingItAndTheCopyBeforeTheLastChange) {
  StatePaths paths(dir_.string());
  VmState state;
  state.service = "app";
  state.engine = "process";
  state.current = ReleaseRef{1, "c1", "app:c1"};
  save_state(paths, state);
  state.current = ReleaseRef{2, "c2", "app:c2"};
  save_state(paths, state);
  // The copy is the state before the last change.
  EXPECT_EQ(load_state(StatePaths(dir_.string())).current->revision, 2);
  std::filesystem::copy_file(paths.state_file() + ".bak", dir_ / "before.json");
  std::filesystem::create_directories(dir_ / "b");
  std::filesystem::copy_file(dir_ / "before.json", dir_ / "b" / "state.json");
  EXPECT_EQ(load_state(StatePaths((dir_ / "b").string())).current->revision, 1);

  for (const char* damage : {"{\"service\": \"ap", "", "{\"service\": \"app\"}"}) {
    std::ofstream(paths.state_file(), std::ios::trunc) << damage;
    try {
      load_state(paths);
      FAIL() << damage;
    } catch (const slipway::core::SystemError& e) {
      std::string what = e.what();
      EXPECT_EQ(what.find('\n'), std::string::npos) << what;
      EXPECT_NE(what.find(paths.state_file() + " is "), std::string::npos) << what;
      EXPECT_NE(what.find("state.json.bak is the state before the last change"), std::string::npos)
          << what;
      EXPECT_EQ(what.find("boost"), std::string::npos) << what;
    }
  }
}

TEST(LockStaleness, Rules) {
  LockOwner owner{42, "host-a", "slipway deploy", 1000};
  EXPECT_FALSE(lock_is_stale(owner, "host-a", true, 1010, 3600s));   // alive, young
  EXPECT_TRUE(lock_is_stale(owner, "host-a", false, 1010, 3600s));   // dead on this host
  EXPECT_FALSE(lock_is_stale(owner, "host-b", false, 1010, 3600s));  // other host: cannot tell
  EXPECT_TRUE(lock_is_stale(owner, "host-b", false, 5000, 3600s));   // too old
}

TEST_F(StateDir, LockExcludesAndNamesTheOwner) {
  auto path = (dir_ / "lock").string();
  {
    StateLock first(path, "slipway deploy app:x", 3600s);
    try {
      StateLock second(path, "slipway deploy app:y", 3600s);
      FAIL();
    } catch (const LockedError& e) {
      EXPECT_NE(std::string(e.what()).find("slipway deploy app:x"), std::string::npos);
      EXPECT_NE(std::string(e.what()).find(std::to_string(::getpid())), std::string::npos);
    }
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  StateLock again(path, "slipway up", 3600s);
  EXPECT_FALSE(again.took_over_stale().has_value());
}

TEST_F(StateDir, StaleLockOfADeadProcessIsTakenOver) {
  auto path = (dir_ / "lock").string();
  pid_t child = ::fork();
  if (child == 0) _exit(0);
  ::waitpid(child, nullptr, 0);  // a PID that no longer exists
  std::ofstream(path) << "{\"pid\":" << child << ",\"host\":\"" << host_name()
                      << "\",\"command\":\"slipway deploy\",\"started_at\":1}";
  StateLock lock(path, "slipway deploy", 1000000000s);
  ASSERT_TRUE(lock.took_over_stale().has_value());
  EXPECT_EQ(lock.took_over_stale()->pid, child);
}

TEST_F(StateDir, TakingOverAStaleLockRemovesTheFilesItsOwnerWasWriting) {
  auto path = (dir_ / "lock").string();
  pid_t child = ::fork();
  if (child == 0) _exit(0);
  ::waitpid(child, nullptr, 0);
  const auto dead = std::to_string(child);
  std::filesystem::create_directories(dir_ / "prometheus" / "targets");
  std::ofstream(dir_ / ("state.json.tmp." + dead)) << "{\"half";
  std::ofstream(dir_ / "prometheus" / "targets" / ("replicas.json.tmp." + dead)) << "[";
  std::ofstream(dir_ / "state.json.tmp.1") << "another writer's";
  std::ofstream(path) << "{\"pid\":" << child << ",\"host\":\"" << host_name()
                      << "\",\"command\":\"slipway deploy\",\"started_at\":1}";
  StateLock lock(path, "slipway deploy", 1000000000s);
  EXPECT_EQ(lock.half_written().size(), 2u);
  EXPECT_FALSE(std::filesystem::exists(dir_ / ("state.json.tmp." + dead)));
  EXPECT_FALSE(
      std::filesystem::exists(dir_ / "prometheus" / "targets" / ("replicas.json.tmp." + dead)));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "state.json.tmp.1"));
}

TEST(Events, TaskStateChangeHasEcsShape) {
  TaskChange change{"app-r2-5", 2,         "app:abc",   40100,
                    "STOPPED",  "STOPPED", "UNHEALTHY", "bake breached"};
  auto event = task_state_change_event("app", change, "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(event.at("detail-type").as_string(), "ECS Task State Change");
  EXPECT_EQ(event.at("source").as_string(), "aws.ecs");
  const auto& detail = event.at("detail").as_object();
  EXPECT_EQ(detail.at("lastStatus").as_string(), "STOPPED");
  EXPECT_EQ(detail.at("desiredStatus").as_string(), "STOPPED");
  EXPECT_EQ(detail.at("stoppedReason").as_string(), "bake breached");
  EXPECT_EQ(detail.at("group").as_string(), "service:app");
  EXPECT_NE(std::string(detail.at("taskArn").as_string()).find("task/app/app-r2-5"),
            std::string::npos);
  EXPECT_NE(std::string(detail.at("taskDefinitionArn").as_string()).find("task-definition/app:2"),
            std::string::npos);
  EXPECT_EQ(detail.at("containers")
                .as_array()[0]
                .at("networkBindings")
                .as_array()[0]
                .at("hostPort")
                .as_int64(),
            40100);
  TaskChange running{"app-r2-5", 2, "app:abc", 40100, "RUNNING", "RUNNING", "HEALTHY", ""};
  EXPECT_FALSE(task_state_change_event("app", running, "t")
                   .at("detail")
                   .as_object()
                   .contains("stoppedReason"));
}

}  // namespace
