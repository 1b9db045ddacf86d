#include "targets/vm/state.hpp"

#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/errors.hpp"
#include "core/private_files.hpp"

namespace slipway::targets::vm {
namespace json = boost::json;
namespace {

json::value release_json(const std::optional<ReleaseRef>& r) {
  if (!r) return nullptr;
  return json::object{{"revision", r->revision}, {"commit", r->commit}, {"image", r->image}};
}

std::optional<ReleaseRef> release_from(const json::value* v) {
  if (v == nullptr || v->is_null()) return std::nullopt;
  const auto& o = v->as_object();
  return ReleaseRef{o.at("revision").to_number<std::int64_t>(),
                    json::value_to<std::string>(o.at("commit")),
                    json::value_to<std::string>(o.at("image"))};
}

}  // namespace

std::vector<ReplicaState> VmState::replicas_of(std::int64_t revision) const {
  std::vector<ReplicaState> out;
  std::copy_if(replicas.begin(), replicas.end(), std::back_inserter(out),
               [&](const ReplicaState& r) { return r.revision == revision; });
  return out;
}

void VmState::remove_replica(const std::string& name) {
  std::erase_if(replicas, [&](const ReplicaState& r) { return r.name == name; });
}

StatePaths::StatePaths(std::string d) : dir(std::move(d)) {}

VmState load_state(const StatePaths& paths) {
  VmState state;
  std::ifstream in(paths.state_file());
  if (!in) return state;
  std::stringstream text;
  text << in.rdbuf();
  // A state file is only ever replaced whole (write, fsync, rename), so a damaged one was changed
  // by something else; the copy before the last change is the repair.
  const auto repair = "; " + paths.state_file() + ".bak is the state before the last change: " +
                      "copy it over, then run `slipway status`";
  boost::system::error_code parse_error;
  auto doc = json::parse(text.str(), parse_error);
  if (parse_error) {
    throw core::SystemError(paths.state_file() + " is not valid JSON (" + parse_error.message() +
                            ")" + repair);
  }
  try {
    const auto& o = doc.as_object();
    state.service = json::value_to<std::string>(o.at("service"));
    state.engine = json::value_to<std::string>(o.at("engine"));
    state.current = release_from(o.if_contains("current"));
    state.previous = release_from(o.if_contains("previous"));
    if (const auto* d = o.if_contains("desired_count"); d != nullptr && !d->is_null()) {
      state.desired_count = d->to_number<int>();
    }
    state.next_replica_number = o.at("next_replica_number").to_number<int>();
    if (const auto* n = o.if_contains("next_replica_port")) {
      state.next_replica_port = n->to_number<int>();
    }
    if (const auto* n = o.if_contains("slots")) state.slots = n->to_number<int>();
    if (const auto* n = o.if_contains("backup_slots")) state.backup_slots = n->to_number<int>();
    for (const auto& item : o.at("replicas").as_array()) {
      const auto& r = item.as_object();
      ReplicaState replica;
      replica.name = json::value_to<std::string>(r.at("name"));
      replica.revision = r.at("revision").to_number<std::int64_t>();
      replica.image = json::value_to<std::string>(r.at("image"));
      replica.port = r.at("port").to_number<int>();
      replica.supervisor_pid = r.at("supervisor_pid").to_number<int>();
      // State written before identities were recorded: the PID alone, as then.
      if (const auto* identity = r.if_contains("supervisor_identity")) {
        replica.supervisor_identity = json::value_to<std::string>(*identity);
      }
      replica.backup = r.at("backup").as_bool();
      replica.in_haproxy = r.at("in_haproxy").as_bool();
      replica.stop_timeout_seconds = r.at("stop_timeout_seconds").to_number<int>();
      // State written before slots: the replica's own name was its server.
      if (const auto* server = r.if_contains("server")) {
        replica.server = json::value_to<std::string>(*server);
      } else if (replica.in_haproxy && !replica.backup) {
        replica.server = replica.name;
      }
      // State written before weights were recorded: every server had the default weight.
      if (const auto* weight = r.if_contains("weight")) replica.weight = weight->to_number<int>();
      if (const auto* server = r.if_contains("backup_server")) {
        replica.backup_server = json::value_to<std::string>(*server);
      } else if (replica.in_haproxy && replica.backup) {
        replica.backup_server = replica.name + ".backup";
      }
      if (const auto* versions = r.if_contains("secret_versions")) {
        for (const auto& [name, version] : versions->as_object()) {
          replica.secret_versions[std::string(name)] = json::value_to<std::string>(version);
        }
      }
      state.replicas.push_back(std::move(replica));
    }
  } catch (const std::exception& e) {
    // Boost.JSON appends its source location ("[boost.json:… at …]"): not the user's business.
    std::string what = e.what();
    throw core::SystemError(paths.state_file() + " is not a slipway state file (" +
                            what.substr(0, what.find(" [")) + ")" + repair);
  }
  return state;
}

void save_state(const StatePaths& paths, const VmState& state) {
  json::array replicas;
  for (const auto& r : state.replicas) {
    json::object versions;
    for (const auto& [name, version] : r.secret_versions) versions[name] = version;
    replicas.push_back(json::object{{"name", r.name},
                                    {"revision", r.revision},
                                    {"image", r.image},
                                    {"port", r.port},
                                    {"supervisor_pid", r.supervisor_pid},
                                    {"supervisor_identity", r.supervisor_identity},
                                    {"backup", r.backup},
                                    {"in_haproxy", r.in_haproxy},
                                    {"stop_timeout_seconds", r.stop_timeout_seconds},
                                    {"server", r.server},
                                    {"backup_server", r.backup_server},
                                    {"weight", r.weight},
                                    {"secret_versions", std::move(versions)}});
  }
  json::object doc{{"service", state.service},
                   {"engine", state.engine},
                   {"current", release_json(state.current)},
                   {"previous", release_json(state.previous)},
                   {"next_replica_number", state.next_replica_number},
                   {"next_replica_port", state.next_replica_port},
                   {"slots", state.slots},
                   {"backup_slots", state.backup_slots},
                   {"replicas", replicas}};
  doc["desired_count"] =
      state.desired_count ? json::value(*state.desired_count) : json::value(nullptr);
  core::create_private_directories(paths.dir);
  // The state before this change stays as state.json.bak (a hard link, renamed into place):
  // the repair of a state.json something else damaged.
  const auto backup = paths.state_file() + ".bak";
  const auto backup_link = backup + ".tmp." + std::to_string(::getpid());
  ::unlink(backup_link.c_str());
  if (::link(paths.state_file().c_str(), backup_link.c_str()) == 0 &&
      ::rename(backup_link.c_str(), backup.c_str()) != 0) {
    ::unlink(backup_link.c_str());
  }
  core::write_private_file(paths.state_file(), json::serialize(doc) + '\n');
  write_prometheus_targets(paths, state);
}

void write_prometheus_targets(const StatePaths& paths, const VmState& state) {
  // Prometheus file_sd (ops/README.md): one entry per replica, re-read by Prometheus on change.
  json::array targets;
  for (const auto& r : state.replicas) {
    auto tag = r.image.substr(r.image.rfind(':') + 1);
    targets.push_back(json::object{
        {"targets", json::array{json::value("127.0.0.1:" + std::to_string(r.port))}},
        {"labels",
         json::object{{"replica", r.name}, {"release", tag}, {"service", state.service}}}});
  }
  auto dir = std::filesystem::path(paths.dir) / "prometheus" / "targets";
  core::create_private_directories(dir.string());
  core::write_private_file((dir / "replicas.json").string(), json::serialize(targets) + '\n');
}

}  // namespace slipway::targets::vm
