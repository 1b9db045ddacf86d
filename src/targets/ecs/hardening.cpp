#include "targets/ecs/hardening.hpp"

#include <boost/json.hpp>

namespace slipway::targets::ecs {
namespace {

const boost::json::object* object_at(const boost::json::object& parent, std::string_view key) {
  const auto* value = parent.if_contains(key);
  return value && value->is_object() ? &value->as_object() : nullptr;
}

bool drops_all_capabilities(const boost::json::object& container) {
  const auto* linux_parameters = object_at(container, "linuxParameters");
  const auto* capabilities =
      linux_parameters ? object_at(*linux_parameters, "capabilities") : nullptr;
  const auto* drop = capabilities ? capabilities->if_contains("drop") : nullptr;
  if (!drop || !drop->is_array()) return false;
  for (const auto& name : drop->as_array()) {
    if (name.is_string() && name.as_string() == "ALL") return true;
  }
  return false;
}

}  // namespace

std::vector<HardeningProblem> hardening_problems(const boost::json::object& task_definition) {
  std::vector<HardeningProblem> problems;
  const auto* containers = task_definition.if_contains("containerDefinitions");
  if (!containers || !containers->is_array()) return problems;
  for (const auto& value : containers->as_array()) {
    if (!value.is_object()) continue;
    const auto& container = value.as_object();
    std::string name = "?";
    if (const auto* n = container.if_contains("name"); n && n->is_string()) name = n->as_string();
    const auto* user = container.if_contains("user");
    const std::string user_text = user && user->is_string() ? std::string(user->as_string()) : "";
    const auto uid = user_text.substr(0, user_text.find(':'));
    if (user_text.empty() || uid == "root" || uid == "0") {
      problems.push_back(
          {name, "runs as root: set \"user\" to a non-root uid:gid (e.g. 65534:65534)"});
    }
    const auto* read_only = container.if_contains("readonlyRootFilesystem");
    if (!read_only || !read_only->is_bool() || !read_only->as_bool()) {
      problems.push_back({name, "writable root filesystem: set \"readonlyRootFilesystem\": true"});
    }
    if (!drops_all_capabilities(container)) {
      problems.push_back({name,
                          "keeps Linux capabilities: set \"linuxParameters\": {\"capabilities\": "
                          "{\"drop\": [\"ALL\"]}}"});
    }
  }
  return problems;
}

}  // namespace slipway::targets::ecs
