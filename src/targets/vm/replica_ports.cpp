#include "targets/vm/replica_ports.hpp"

#include <algorithm>
#include <fstream>

#include "core/errors.hpp"

namespace slipway::targets::vm {
namespace {

std::string to_text(const release::PortRange& range) {
  return std::to_string(range.first) + "-" + std::to_string(range.last);
}

}  // namespace

int allocate_replica_port(VmState& state, const release::PortRange& range,
                          const std::string& stack_id, const std::function<bool(int)>& is_free) {
  const int size = range.size();
  int cursor = state.next_replica_port;
  if (!range.contains(cursor)) {
    cursor = range.first +
             static_cast<int>(std::hash<std::string>{}(stack_id) % static_cast<std::size_t>(size));
  }
  for (int tried = 0; tried < size; ++tried) {
    const int port = cursor;
    cursor = port == range.last ? range.first : port + 1;
    const bool recorded = std::any_of(state.replicas.begin(), state.replicas.end(),
                                      [&](const ReplicaState& r) { return r.port == port; });
    if (recorded || !is_free(port)) continue;
    state.next_replica_port = cursor;
    return port;
  }
  throw core::InputError("vm.replica_ports " + to_text(range) +
                         ": no free port for a new replica (" +
                         std::to_string(state.replicas.size()) +
                         " recorded, the rest taken by other programs); widen the range in "
                         "slipway.yaml");
}

std::optional<release::PortRange> ephemeral_port_range() {
  std::ifstream file("/proc/sys/net/ipv4/ip_local_port_range");
  release::PortRange range;
  if (!(file >> range.first >> range.last)) return std::nullopt;
  return range;
}

std::optional<std::string> ephemeral_overlap_warning(const release::PortRange& range,
                                                     const release::PortRange& ephemeral) {
  if (range.last < ephemeral.first || range.first > ephemeral.last) return std::nullopt;
  return "vm.replica_ports " + to_text(range) + " overlaps this machine's ephemeral ports " +
         to_text(ephemeral) +
         ": an outgoing connection may take a replica's port; choose ports below " +
         std::to_string(ephemeral.first);
}

}  // namespace slipway::targets::vm
