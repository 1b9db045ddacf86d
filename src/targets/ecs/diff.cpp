#include "targets/ecs/diff.hpp"

#include <boost/json.hpp>
#include <map>
#include <set>

namespace slipway::targets::ecs {
namespace {

// Members DescribeTaskDefinition returns that are not RegisterTaskDefinition input.
const std::set<std::string> kResponseOnly = {
    "taskDefinitionArn",  "revision",        "status",
    "requiresAttributes", "compatibilities", "registeredAt",
    "registeredBy",       "deregisteredAt",  "tags"};

void flatten(const boost::json::value& value, const std::string& path,
             std::map<std::string, std::string>& out) {
  if (value.is_object()) {
    if (value.as_object().empty()) return;
    for (const auto& [key, member] : value.as_object()) {
      flatten(member, path.empty() ? std::string(key) : path + "." + std::string(key), out);
    }
  } else if (value.is_array()) {
    std::size_t index = 0;
    for (const auto& element : value.as_array()) {
      flatten(element, path + "[" + std::to_string(index++) + "]", out);
    }
  } else if (!value.is_null()) {
    out[path] = boost::json::serialize(value);
  }
}

std::map<std::string, std::string> flat(const boost::json::object& document) {
  std::map<std::string, std::string> out;
  for (const auto& [key, member] : document) {
    if (kResponseOnly.contains(std::string(key))) continue;
    flatten(member, std::string(key), out);
  }
  return out;
}

}  // namespace

std::vector<DiffLine> diff_task_definitions(const boost::json::object& current,
                                            const boost::json::object& next) {
  const auto before = flat(current);
  const auto after = flat(next);
  std::vector<DiffLine> out;
  for (const auto& [path, value] : before) {
    const auto found = after.find(path);
    if (found == after.end()) {
      out.push_back({'-', path, value, ""});
    } else if (found->second != value) {
      out.push_back({'~', path, value, found->second});
    }
  }
  for (const auto& [path, value] : after) {
    if (!before.contains(path)) out.push_back({'+', path, "", value});
  }
  return out;
}

}  // namespace slipway::targets::ecs
