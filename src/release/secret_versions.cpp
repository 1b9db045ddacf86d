#include "release/secret_versions.hpp"

#include <algorithm>
#include <boost/json.hpp>

namespace slipway::release {
namespace json = boost::json;
namespace {

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string or_unknown(const std::string& version) {
  return version.empty() ? "unknown" : version;
}

// The colon-separated fields of `text`.
std::vector<std::string> fields_of(const std::string& text) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  for (;;) {
    const auto end = text.find(':', start);
    fields.push_back(text.substr(start, end == std::string::npos ? end : end - start));
    if (end == std::string::npos) return fields;
    start = end + 1;
  }
}

}  // namespace

std::vector<SecretVersion> compare_secret_versions(
    const std::vector<SecretRef>& references, const std::map<std::string, std::string>& running,
    const std::map<std::string, std::string>& current,
    const std::vector<std::string>& reloaded_by_app) {
  std::vector<SecretVersion> out;
  for (const auto& ref : references) {
    SecretVersion version{.name = ref.name,
                          .running = {},
                          .current = {},
                          .reloaded_by_app = contains(reloaded_by_app, ref.name)};
    if (auto found = running.find(ref.name); found != running.end()) {
      version.running = found->second;
    } else {
      version.used = false;
    }
    if (auto found = current.find(ref.name); found != current.end())
      version.current = found->second;
    out.push_back(std::move(version));
  }
  return out;
}

SecretsStatus secrets_status(const std::vector<SecretRef>& references,
                             const std::vector<SecretHolder>& holders,
                             const std::map<std::string, std::string>& current,
                             const std::vector<std::string>& reloaded_by_app,
                             const std::string& holder_kind) {
  SecretsStatus out;
  std::map<std::string, int> stale_holders;  // env name -> holders running an older version
  json::array holder_list;
  std::vector<std::string> holder_lines;
  for (const auto& holder : holders) {
    json::object versions;
    json::array stale;
    std::string line = "  " + holder.name + ":";
    for (const auto& v :
         compare_secret_versions(references, holder.running, current, reloaded_by_app)) {
      if (!v.used) continue;
      versions[v.name] = v.running;
      line += " " + v.name + " " + or_unknown(v.running);
      if (v.stale()) {
        stale.push_back(json::string(v.name));
        ++stale_holders[v.name];
        line += " (stale)";
      }
    }
    out.any_stale = out.any_stale || !stale.empty();
    holder_list.push_back(
        {{"name", holder.name}, {"versions", std::move(versions)}, {"stale", std::move(stale)}});
    holder_lines.push_back(std::move(line));
  }
  json::array secrets;
  for (const auto& ref : references) {
    const bool reloaded = contains(reloaded_by_app, ref.name);
    const auto found = current.find(ref.name);
    const std::string now = found == current.end() ? "" : found->second;
    const int stale = stale_holders[ref.name];
    secrets.push_back({{"name", ref.name},
                       {"reference", ref.value_from},
                       {"current", now},
                       {"reloaded_by_app", reloaded},
                       {"stale_" + holder_kind + "s", stale}});
    std::string line = "secret " + ref.name + " (" + ref.value_from + ") current " +
                       (now.empty() ? "-" : now) + ": ";
    if (reloaded) {
      line += "re-read by the app, never needs a refresh";
    } else if (now.empty()) {
      line += "no versions (read at start)";
    } else if (stale > 0) {
      line += std::to_string(stale) + " of " + std::to_string(holders.size()) + " " + holder_kind +
              "(s) stale: run `slipway refresh`";
    } else {
      line += "every " + holder_kind + " runs it";
    }
    out.lines.push_back(std::move(line));
  }
  out.lines.insert(out.lines.end(), holder_lines.begin(), holder_lines.end());
  out.document = {{"secrets", std::move(secrets)},
                  {holder_kind + "s", std::move(holder_list)},
                  {"stale", out.any_stale}};
  return out;
}

SecretsStatus secrets_status_unknown(const std::string& why) {
  SecretsStatus out;
  out.document = {{"error", why}};
  out.lines.push_back("secrets: current versions unknown: " + why);
  return out;
}

std::vector<SecretRef> pin_secret_refs(const std::vector<SecretRef>& references,
                                       const std::map<std::string, std::string>& versions) {
  std::vector<SecretRef> out;
  for (const auto& ref : references) {
    auto pinned = ref;
    const auto recorded = versions.find(ref.name);
    const auto fields = fields_of(ref.value_from);
    // arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME[:JSON-KEY:STAGE:ID]
    const bool secrets_manager =
        fields.size() >= 7 && fields[0] == "arn" && fields[2] == "secretsmanager";
    if (recorded != versions.end() && !recorded->second.empty() && secrets_manager &&
        (fields.size() == 7 || (fields.size() == 10 && fields[9].empty()))) {
      std::string arn = fields[0];
      for (std::size_t i = 1; i < 7; ++i) arn += ":" + fields[i];
      const std::string json_key = fields.size() == 10 ? fields[7] : "";
      pinned.value_from = arn + ":" + json_key + "::" + recorded->second;
    }
    out.push_back(std::move(pinned));
  }
  return out;
}

}  // namespace slipway::release
