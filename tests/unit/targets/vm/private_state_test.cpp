// Under umask 000 every writer of the state directory still leaves it 0700 and its files 0600:
// another local user must not read or edit the HAProxy configuration, the state, the release
// history, the lock or the logs.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "release/ledger.hpp"
#include "targets/vm/events.hpp"
#include "targets/vm/haproxy_process.hpp"
#include "targets/vm/lock.hpp"
#include "targets/vm/podman_engine.hpp"
#include "targets/vm/state.hpp"

namespace {

using namespace slipway::targets::vm;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

mode_t mode_of(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

class PrivateState : public ::testing::Test {
 protected:
  void SetUp() override {
    old_umask_ = ::umask(0);
    root_ = fs::temp_directory_path() / ("slipway_private_" + std::to_string(::getpid()));
    dir_ = root_ / "state";  // created by the writers, not by the test
  }
  void TearDown() override {
    ::umask(old_umask_);
    fs::remove_all(root_);
  }
  mode_t old_umask_ = 0;
  fs::path root_;
  fs::path dir_;
};

TEST_F(PrivateState, EveryWriterLeavesTheDirectory0700AndItsFiles0600) {
  StatePaths paths(dir_.string());
  VmState state;
  state.service = "app";
  state.engine = "podman";
  ReplicaState replica;
  replica.name = "app-r1-1";
  replica.revision = 1;
  replica.image = "app:c";
  replica.port = 40000;
  state.replicas.push_back(replica);
  save_state(paths, state);  // state.json, prometheus/targets/replicas.json

  PodmanEngine podman(paths.dir);  // containers.conf
  HaproxySettings settings;
  settings.service = "app";
  settings.listener_address = "127.0.0.1";
  settings.listener_port = 8080;
  settings.admin_socket = paths.haproxy_socket();
  write_haproxy_config(settings, {{"app-r1-1", "127.0.0.1", 40000}}, paths.haproxy_config());
  auto ledger = slipway::release::Ledger::load(paths.ledger_file());
  slipway::release::Release release;
  release.commit = std::string(40, 'c');
  release.image = "app:" + release.commit;
  ledger.append(release);
  ledger.save();  // releases.json
  StateLock lock(paths.lock_file(), "slipway deploy", 3600s);
  EventLog events("app", EventFormat::json, paths.events_file());
  events.task({"app-r1-1", 1, "app:c", 40000, "RUNNING", "RUNNING", "HEALTHY", ""}, "running");

  std::size_t files = 0;
  EXPECT_EQ(mode_of(dir_), 0700u);
  for (const auto& entry : fs::recursive_directory_iterator(dir_)) {
    if (entry.is_directory()) {
      EXPECT_EQ(mode_of(entry.path()), 0700u) << entry.path();
    } else {
      EXPECT_EQ(mode_of(entry.path()), 0600u) << entry.path();
      ++files;
    }
  }
  for (const auto& name : {"state.json", "releases.json", "haproxy.cfg", "lock", "events.jsonl",
                           "containers.conf", "prometheus/targets/replicas.json"}) {
    EXPECT_TRUE(fs::exists(dir_ / name)) << name;
  }
  EXPECT_EQ(files, 7u) << "no temporary file left behind";
}

TEST_F(PrivateState, AnExistingWideDirectoryIsMadePrivate) {
  fs::create_directories(dir_);
  fs::permissions(dir_, fs::perms::all);
  save_state(StatePaths(dir_.string()), VmState{});
  EXPECT_EQ(mode_of(dir_), 0700u);
  EXPECT_EQ(mode_of(dir_ / "state.json"), 0600u);
}

}  // namespace
