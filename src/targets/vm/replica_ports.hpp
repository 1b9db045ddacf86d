#pragma once
// Which port a new replica listens on. Ports come from spec.vm.replica_ports, below the kernel's
// ephemeral range: a port the kernel handed out with bind(0) was free only a moment ago, and the
// next outgoing connection may take it as its source port before the replica binds it. The
// state records every replica's port and a cursor, so a port is not reused while recorded and a
// just-retired port (its connections in TIME_WAIT) is the last to come round again.

#include <functional>
#include <optional>
#include <string>

#include "release/spec.hpp"
#include "targets/vm/state.hpp"

namespace slipway::targets::vm {

// Returns the next port of `range` after state.next_replica_port that no replica in `state`
// records and `is_free` accepts, and moves the cursor past it. A fresh state starts at an
// offset taken from `stack_id`, so two stacks on one machine start apart. Throws
// core::InputError naming the range when every port is taken.
int allocate_replica_port(VmState& state, const release::PortRange& range,
                          const std::string& stack_id, const std::function<bool(int)>& is_free);

// The kernel's ephemeral port range (/proc/sys/net/ipv4/ip_local_port_range), if readable.
std::optional<release::PortRange> ephemeral_port_range();

// A one-line warning when `range` overlaps `ephemeral`, else nullopt.
std::optional<std::string> ephemeral_overlap_warning(const release::PortRange& range,
                                                     const release::PortRange& ephemeral);

}  // namespace slipway::targets::vm
