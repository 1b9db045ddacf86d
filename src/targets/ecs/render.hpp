#pragma once
// What a deploy registers: deploy/taskdef.json rendered for one image, with values from the
// environment and from `terraform output -json`, optionally with every Secrets Manager valueFrom
// pinned to the version current at deploy time; and the tags that make a revision a release.

#include <boost/json/object.hpp>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/ecs.hpp"
#include "release/spec.hpp"

namespace slipway::targets::ecs {

// Tag keys slipway writes on a task definition revision.
inline constexpr std::string_view kTagCommit = "slipway:commit";
inline constexpr std::string_view kTagImage = "slipway:image";
inline constexpr std::string_view kTagDigest = "slipway:image-digest";
inline constexpr std::string_view kTagDeployedBy = "slipway:deployed-by";
inline constexpr std::string_view kTagDeployedAt = "slipway:deployed-at";
inline constexpr std::string_view kTagOutcome = "slipway:outcome";
inline constexpr std::string_view kTagReason = "slipway:reason";
// deploymentConfiguration.strategy of the service file at deploy time: ROLLING, BLUE_GREEN, ...
inline constexpr std::string_view kTagStrategy = "slipway:strategy";
// On a refresh: the revision number it refreshed (same image and settings, newer secret versions).
inline constexpr std::string_view kTagRefreshOf = "slipway:refresh-of";
// On the service: "HOLDER until EPOCH-SECONDS" while a deploy or rollback runs.
inline constexpr std::string_view kTagLock = "slipway:lock";

// Runs `terraform -chdir=DIR output -json` and returns every output whose value is a string or
// number, under its own name and upper-cased (cluster_name and CLUSTER_NAME); throws
// EcsInputError naming the directory when terraform fails.
std::map<std::string, std::string> terraform_outputs(const std::string& dir);

// Parses `terraform output -json` text (for tests); same result as terraform_outputs.
std::map<std::string, std::string> parse_terraform_outputs(std::string_view json_text);

// Renders the spec's task definition file (relative to base_dir) with IMAGE=`image` and `extra`
// before the environment; returns the RegisterTaskDefinition input. What an ECS task gets that
// a vm replica does not: AWS_REGION=`region` (the deploy's region, where the task runs and sends
// its traces) and XRAY_TRACING=on unless `extra` or the environment says otherwise; the file's
// own defaults are the vm target's, which reaches no AWS unless configured to. Throws
// release::SpecError naming the file and line for an unset ${VAR} or malformed JSON.
boost::json::object render_task_definition(const release::ServiceSpec& spec,
                                           const std::string& base_dir, const std::string& image,
                                           std::map<std::string, std::string> extra,
                                           const std::string& region);

// A Secrets Manager valueFrom split into its parts ("" = not set).
struct SecretsManagerReference {
  std::string secret_arn;  // arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-SUFFIX
  std::string json_key;
  std::string version_stage;
  std::string version_id;
};

// Parses a Secrets Manager ARN valueFrom; nullopt for anything else (SSM, env://).
std::optional<SecretsManagerReference> parse_secrets_manager_reference(std::string_view value_from);

// Returns the valueFrom with the version id set and the stage cleared (they are exclusive).
std::string pin_version(const SecretsManagerReference& reference, const std::string& version_id);

// Every container secrets[].valueFrom in a task definition document, in order.
std::vector<std::string> secret_value_froms(const boost::json::object& task_definition);

// Replaces each valueFrom for which `pin` returns a value. Returns the env names pinned.
std::vector<std::string> rewrite_value_froms(
    boost::json::object& task_definition,
    const std::function<std::optional<std::string>(const std::string&)>& pin);

// A described task definition (DescribeTaskDefinition's taskDefinition) as RegisterTaskDefinition
// input: every member that request accepts, kept as ECS returned it, and none of the read-only
// ones (taskDefinitionArn, revision, status, requiresAttributes, compatibilities, registeredAt,
// registeredBy, deregisteredAt); tags are the caller's. What a refresh registers again.
boost::json::object registrable_copy(const boost::json::object& described);

// The tags a new revision gets; values are trimmed to ECS's 256 characters and its character set.
aws::TagMap release_tags(const std::string& commit, const std::string& image,
                         const std::string& digest, const std::string& deployed_by,
                         const std::string& deployed_at);

// Makes `text` a valid ECS tag value: letters, digits, spaces and + - = . _ : / @, at most 256.
std::string tag_value(std::string_view text);

// Who is deploying: SLIPWAY_DEPLOYER, else GITHUB_ACTOR (+ " via github"), else USER@host.
std::string deployer();

// Now, UTC, ISO 8601 to the second.
std::string utc_now();

// The commit an image reference is tagged with, when its tag is a full SHA; else "".
std::string commit_of_image(std::string_view image);

}  // namespace slipway::targets::ecs
