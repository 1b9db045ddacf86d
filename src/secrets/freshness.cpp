#include "secrets/freshness.hpp"

#include <algorithm>
#include <utility>

#include "aws/errors.hpp"
#include "secrets/errors.hpp"
#include "secrets/reference.hpp"

namespace slipway::secrets {
namespace {

// GetParameters takes at most 10 names per call.
constexpr std::size_t kParametersPerCall = 10;

std::string describe(const SecretRequest& request) {
  return "secret " + request.name + " (" + request.value_from + ")";
}

// The version id of `target` in `stage`; throws ResolutionError when no version holds it.
std::string version_in_stage(SecretStore& store, const SecretRequest& request,
                             const std::string& target, const std::string& stage) {
  aws::SecretDescription description;
  try {
    description = store.describe_secret(target);
  } catch (const aws::ServiceError& e) {
    if (e.code() != "ResourceNotFoundException") throw;
    throw ResolutionError(describe(request) +
                          " no longer exists in Secrets Manager: restore it or change the "
                          "reference");
  }
  for (const auto& [version_id, stages] : description.versions) {
    if (std::find(stages.begin(), stages.end(), stage) != stages.end()) return version_id;
  }
  throw ResolutionError(describe(request) + " has no version in stage " + stage +
                        ": put a value first (slipway secrets set)");
}

}  // namespace

std::vector<SecretFreshness> check_freshness(const std::vector<SecretRequest>& requests,
                                             const std::map<std::string, std::string>& running,
                                             const std::set<std::string>& reloaded_by_app,
                                             SecretStore* store) {
  std::vector<SecretReference> references;
  references.reserve(requests.size());
  for (const auto& request : requests) references.push_back(parse_reference(request.value_from));

  std::vector<SecretFreshness> out;
  out.reserve(requests.size());
  // Parameters are answered in batches per region; remember which entry waits for which name.
  std::map<std::string, std::vector<std::pair<std::string, std::size_t>>> parameters_by_region;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const auto& request = requests[i];
    const auto& reference = references[i];
    SecretFreshness entry{.name = request.name,
                          .reference = request.value_from,
                          .running = {},
                          .current = {},
                          .reloaded_by_app = reloaded_by_app.contains(request.name)};
    if (auto found = running.find(request.name); found != running.end()) {
      entry.running = found->second;
    }
    const bool remote = reference.kind == ReferenceKind::secrets_manager ||
                        reference.kind == ReferenceKind::ssm_parameter;
    if (remote && store == nullptr) {
      throw ResolutionError("secrets reference AWS but no AWS store is configured");
    }
    if (reference.kind == ReferenceKind::secrets_manager) {
      entry.current = reference.version_id
                          ? *reference.version_id
                          : version_in_stage(*store, request, reference.target,
                                             reference.version_stage.value_or("AWSCURRENT"));
    } else if (reference.kind == ReferenceKind::ssm_parameter) {
      parameters_by_region[reference.region].emplace_back(reference.target, i);
    }
    out.push_back(std::move(entry));
  }
  for (const auto& [region, waiting] : parameters_by_region) {
    for (std::size_t start = 0; start < waiting.size(); start += kParametersPerCall) {
      const auto end = std::min(waiting.size(), start + kParametersPerCall);
      std::vector<std::string> names;
      for (auto k = start; k < end; ++k) names.push_back(waiting[k].first);
      const auto result = store->get_parameter_versions(names, region);
      for (auto k = start; k < end; ++k) {
        const auto& [name, index] = waiting[k];
        auto found = std::find_if(result.parameters.begin(), result.parameters.end(),
                                  [&](const aws::Parameter& p) { return p.name == name; });
        if (found == result.parameters.end()) {
          throw ResolutionError(describe(requests[index]) +
                                " no longer exists in SSM Parameter Store: restore it or change "
                                "the reference");
        }
        out[index].current = std::to_string(found->version);
      }
    }
  }
  return out;
}

bool any_stale(const std::vector<SecretFreshness>& secrets) {
  return std::any_of(secrets.begin(), secrets.end(),
                     [](const SecretFreshness& s) { return s.stale(); });
}

}  // namespace slipway::secrets
