// Replica port allocation: from the configured range, never a port a replica records, never one
// another program holds, and a cursor that moves on so a retired port is not the next one.
#include "targets/vm/replica_ports.hpp"

#include <gtest/gtest.h>

#include <set>

#include "core/errors.hpp"

namespace {

using namespace slipway::targets::vm;
using slipway::release::PortRange;

const auto kAllFree = [](int) { return true; };

ReplicaState replica_on(int port) {
  ReplicaState replica;
  replica.name = "r" + std::to_string(port);
  replica.port = port;
  return replica;
}

TEST(ReplicaPorts, AFreshStateStartsInsideTheRangeAndTheCursorMovesOn) {
  VmState state;
  const PortRange range{20000, 20009};
  std::set<int> handed_out;
  for (int i = 0; i < 10; ++i) {
    int port = allocate_replica_port(state, range, "abc123", kAllFree);
    EXPECT_TRUE(range.contains(port)) << port;
    handed_out.insert(port);
  }
  // Without recording them, ten calls still walk all ten ports once: no port twice in a row.
  EXPECT_EQ(handed_out.size(), 10u);
}

TEST(ReplicaPorts, PortsRecordedInTheStateAreSkipped) {
  VmState state;
  state.next_replica_port = 20000;
  state.replicas = {replica_on(20000), replica_on(20001)};
  EXPECT_EQ(allocate_replica_port(state, {20000, 20009}, "s", kAllFree), 20002);
  EXPECT_EQ(state.next_replica_port, 20003);
}

TEST(ReplicaPorts, PortsAnotherProgramHoldsAreSkipped) {
  VmState state;
  state.next_replica_port = 20000;
  auto taken_by_others = [](int port) { return port != 20000 && port != 20002; };
  EXPECT_EQ(allocate_replica_port(state, {20000, 20009}, "s", taken_by_others), 20001);
  EXPECT_EQ(allocate_replica_port(state, {20000, 20009}, "s", taken_by_others), 20003);
}

TEST(ReplicaPorts, TheCursorWrapsAtTheEndOfTheRange) {
  VmState state;
  state.next_replica_port = 20009;
  EXPECT_EQ(allocate_replica_port(state, {20000, 20009}, "s", kAllFree), 20009);
  EXPECT_EQ(allocate_replica_port(state, {20000, 20009}, "s", kAllFree), 20000);
}

TEST(ReplicaPorts, ACursorOutsideTheRangeAfterTheRangeChangedRestartsInside) {
  VmState state;
  state.next_replica_port = 15000;  // the range was 15000-19999 at the last deploy
  const PortRange range{21000, 21001};
  EXPECT_TRUE(range.contains(allocate_replica_port(state, range, "s", kAllFree)));
}

TEST(ReplicaPorts, AFullRangeIsAnInputErrorNamingTheRange) {
  VmState state;
  state.replicas = {replica_on(20000)};
  try {
    allocate_replica_port(state, {20000, 20001}, "s", [](int port) { return port != 20001; });
    FAIL() << "expected an input error";
  } catch (const slipway::core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("vm.replica_ports 20000-20001"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("widen the range"), std::string::npos) << e.what();
  }
}

TEST(ReplicaPorts, OverlapWithTheEphemeralRangeIsNamed) {
  const PortRange ephemeral{32768, 60999};
  EXPECT_FALSE(ephemeral_overlap_warning({15000, 19999}, ephemeral));
  EXPECT_FALSE(ephemeral_overlap_warning({15000, 32767}, ephemeral));
  auto warning = ephemeral_overlap_warning({30000, 40000}, ephemeral);
  ASSERT_TRUE(warning);
  EXPECT_NE(warning->find("32768-60999"), std::string::npos) << *warning;
}

TEST(ReplicaPorts, ThisMachinesEphemeralRangeIsRead) {
  auto range = ephemeral_port_range();
  ASSERT_TRUE(range);  // Linux always has the file
  EXPECT_GE(range->first, 1);
  EXPECT_LE(range->first, range->last);
}

}  // namespace
