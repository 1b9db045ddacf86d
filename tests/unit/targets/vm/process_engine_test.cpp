#include "targets/vm/process_engine.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "core/subprocess.hpp"
#include "targets/vm/errors.hpp"
#include "targets/vm/supervisor.hpp"

namespace {

using namespace slipway::targets::vm;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

template <typename Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds timeout = 10s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return predicate();
}

class ProcessEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("slipway_process_engine_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Puts an image whose entrypoint is `script` into the engine's store.
  void image(ProcessEngine& engine, const std::string& name, const std::string& script) {
    auto image_dir = fs::path(process_image_dir(engine.images_dir(), name));
    fs::create_directories(image_dir);
    auto entrypoint = image_dir / "entrypoint";
    std::ofstream(entrypoint) << "#!/bin/sh\n" << script << "\n";
    fs::permissions(entrypoint, fs::perms::owner_all);
  }

  ReplicaLaunch launch(const std::string& image_name) {
    ReplicaLaunch l;
    l.name = "app-r1-1";
    l.image = image_name;
    l.environment = {{"GREETING", "hello"}};
    l.log_path = (dir_ / "replica.log").string();
    return l;
  }

  std::string log() {
    std::ifstream in(dir_ / "replica.log");
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

  fs::path dir_;
};

TEST_F(ProcessEngineTest, UnknownImageIsRefused) {
  ProcessEngine engine(dir_.string());
  EXPECT_FALSE(engine.image_exists("app:nope"));
  EXPECT_THROW(engine.start(launch("app:nope")), UnknownImage);
  EXPECT_THROW(engine.image_digest("app:nope"), UnknownImage);
}

TEST_F(ProcessEngineTest, RunsWithEnvironmentRestartsAfterKillAndStops) {
  ProcessEngine engine(dir_.string());
  image(engine, "app:v1",
        "echo \"started $GREETING\"; trap 'echo got-term; exit 0' TERM; while :; do sleep 0.05; "
        "done");
  EXPECT_TRUE(engine.image_exists("app:v1"));
  EXPECT_TRUE(engine.image_digest("app:v1").starts_with("sha256:"));
  auto handle = engine.start(launch("app:v1"));
  ASSERT_GT(handle.supervisor_pid, 0);
  ASSERT_TRUE(eventually([&] {
    return engine.app_pid(handle) > 0 && log().find("started hello") != std::string::npos;
  }));
  EXPECT_TRUE(engine.running(handle));
  EXPECT_EQ(engine.restarts(handle), 0);

  int first = engine.app_pid(handle);
  ::kill(first, SIGKILL);
  ASSERT_TRUE(
      eventually([&] { return engine.restarts(handle) == 1 && engine.app_pid(handle) != first; }));
  EXPECT_TRUE(slipway::core::process_alive(engine.app_pid(handle)));
  // The second run has set its trap once it printed its greeting again.
  ASSERT_TRUE(eventually([&] {
    auto text = log();
    return text.find("started hello") != text.rfind("started hello");
  }));

  engine.stop(handle, 5s);
  EXPECT_FALSE(engine.running(handle));
  EXPECT_NE(log().find("got-term"), std::string::npos);  // SIGTERM reached the app
}

// A container sees only its task definition's environment; a process replica must not see
// slipway's own (the deployer's AWS credentials, say), only PATH-like basics and its launch's.
TEST_F(ProcessEngineTest, AReplicaGetsItsLaunchEnvironmentNotSlipways) {
  ::setenv("AWS_SECRET_ACCESS_KEY", "deployer-credential-3c9e", 1);
  ::setenv("SLIPWAY_STACK_ONLY", "stack-value", 1);
  ProcessEngine engine(dir_.string());
  image(engine, "app:env", "env; echo env-done; while :; do sleep 0.05; done");
  auto handle = engine.start(launch("app:env"));
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  ::unsetenv("SLIPWAY_STACK_ONLY");
  ASSERT_TRUE(eventually([&] { return log().find("env-done") != std::string::npos; })) << log();
  const auto text = log();
  engine.stop(handle, 5s);
  EXPECT_NE(text.find("GREETING=hello"), std::string::npos) << text;
  EXPECT_NE(text.find("PATH="), std::string::npos) << text;
  EXPECT_EQ(text.find("deployer-credential-3c9e"), std::string::npos) << text;
  EXPECT_EQ(text.find("SLIPWAY_STACK_ONLY"), std::string::npos) << text;
}

TEST_F(ProcessEngineTest, StopEscalatesToSigkillAfterTheTimeout) {
  ProcessEngine engine(dir_.string());
  image(engine, "app:stubborn", "trap '' TERM; echo ignoring-term; while :; do sleep 0.05; done");
  auto handle = engine.start(launch("app:stubborn"));
  // The trap must be in place before the stop, or SIGTERM would simply end it.
  ASSERT_TRUE(eventually([&] { return log().find("ignoring-term") != std::string::npos; }));
  int app = engine.app_pid(handle);
  engine.stop(handle, 1s);
  EXPECT_FALSE(engine.running(handle));
  EXPECT_TRUE(eventually([&] { return !slipway::core::process_alive(app); }, 2s));
}

TEST_F(ProcessEngineTest, CleanExitIsNotRestarted) {
  ProcessEngine engine(dir_.string());
  image(engine, "app:once", "exit 0");
  auto handle = engine.start(launch("app:once"));
  EXPECT_TRUE(eventually([&] { return !engine.running(handle); }));
  EXPECT_EQ(engine.restarts(handle), 0);
}

TEST_F(ProcessEngineTest, CrashLoopCountsRestarts) {
  ProcessEngine engine(dir_.string());
  image(engine, "app:crash", "exit 1");
  auto handle = engine.start(launch("app:crash"));
  EXPECT_TRUE(eventually([&] { return engine.restarts(handle) >= 2; }));
  engine.stop(handle, 2s);
  EXPECT_FALSE(engine.running(handle));
}

// A process group leader that is not slipway's: what a recorded supervisor PID may name after a
// reboot or a PID reuse.
pid_t spawn_stranger() {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    ::execl("/bin/sleep", "sleep", "30", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

TEST_F(ProcessEngineTest, StopAndRunningLeaveAProcessThatOnlySharesTheRecordedPidAlone) {
  ProcessEngine engine(dir_.string());
  image(engine, "app:v1", "while :; do sleep 0.05; done");
  auto handle = engine.start(launch("app:v1"));
  ASSERT_FALSE(handle.supervisor_identity.empty());
  EXPECT_EQ(handle.supervisor_identity, process_identity(handle.supervisor_pid));

  // The state file says: supervisor PID P, started at T. P is now another process.
  pid_t stranger = spawn_stranger();
  ASSERT_GT(stranger, 0);
  ASSERT_TRUE(eventually([&] { return ::getpgid(stranger) == stranger; }));
  // Recorded: this PID, started one clock tick before the process that has it now.
  auto now = process_identity(stranger);
  auto colon = now.rfind(':');
  auto recorded = now.substr(0, colon + 1) + std::to_string(std::stoll(now.substr(colon + 1)) - 1);
  ReplicaHandle stale{handle.name, stranger, recorded};
  EXPECT_FALSE(engine.running(stale));
  engine.stop(stale, 1s);
  int status = 0;
  EXPECT_EQ(::waitpid(stranger, &status, WNOHANG), 0) << "the stranger was signalled";
  ::kill(stranger, SIGKILL);
  ::waitpid(stranger, &status, 0);

  // The recorded process itself is still stopped.
  EXPECT_TRUE(engine.running(handle));
  engine.stop(handle, 2s);
  EXPECT_FALSE(engine.running(handle));
}

TEST(ProcessIdentity, NamesALiveProcessAndNothingForAGoneOne) {
  auto self = process_identity(::getpid());
  EXPECT_NE(self.find(':'), std::string::npos) << self;
  EXPECT_EQ(process_identity(::getpid()), self);
  EXPECT_TRUE(is_same_process(::getpid(), self));
  EXPECT_FALSE(is_same_process(::getpid(), self + "0"));
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_EQ(process_identity(child), "");
  EXPECT_FALSE(is_same_process(child, ""));
}

}  // namespace
