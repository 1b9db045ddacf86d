#pragma once
// What the vm verbs share: the options every one takes (--spec, --state-dir, --engine), loading
// the spec, building the vm target, and the secret resolver and workload renderer it is given.
// VmOptions are also the options of the verbs that serve both targets (cli/target_factory.hpp).

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "release/ledger.hpp"
#include "release/secret_versions.hpp"
#include "release/spec.hpp"
#include "release/target.hpp"
#include "targets/vm/events.hpp"
#include "targets/vm/vm_target.hpp"

namespace slipway::cli {

struct VmOptions {
  std::string spec_file = "slipway.yaml";
  std::optional<std::string> state_dir;
  std::optional<std::string> engine;
  std::vector<std::string> vars;  // NAME=VALUE for the ${VAR} templates
  std::string timeout = "15m";
  std::optional<std::string> bake_time;  // overrides vm.bake_time
};

// Adds --spec, --state-dir, --engine (and --var, --timeout when `deploying`) to `command`.
void add_vm_options(CLI::App* command, VmOptions& options, bool deploying);

// Everything a vm verb works with, built from the options.
struct VmContext {
  release::ServiceSpec spec;
  std::string base_dir;  // directory of slipway.yaml: deploy/*.json are relative to it
  std::string state_dir;
  std::map<std::string, std::string> vars;
  std::unique_ptr<targets::vm::EventLog> events;
  std::unique_ptr<targets::vm::VmTarget> target;

  // The workload of `release`: a recorded release's own task definition from the ledger (with
  // service.json rendered now), else the spec's task definition rendered (IMAGE, COMMIT, SERVICE
  // set, then --var, the environment and STATE/stack.env); plus STATE/replica.env's variables
  // where the task definition does not set them.
  release::Workload workload_for(const release::Release& release) const;
};

// Loads STATE_DIR/stack.env (the local stack's variables, written by `make up`: the references
// of the secrets it seeded, its AWS endpoint and ports) into the process environment, never
// overriding a variable that is already set; a missing file changes nothing. Throws
// core::InputError naming the file and line when it is malformed.
void load_stack_environment(const std::string& state_dir);

// Loads the stack environment, then slipway.yaml, and builds the target; throws core::InputError on
// a bad spec or option, or when the spec's target is not vm (unless `any_target`: building an image
// serves both targets).
VmContext make_vm_context(const VmOptions& options, const GlobalOptions& globals,
                          bool any_target = false);

// A resolver over secrets::resolve_secrets: env:// and file:// locally, Secrets Manager and SSM
// through the AWS session the global options describe.
targets::vm::SecretResolver make_secret_resolver(const GlobalOptions& globals);

// The versions secret references mean now, over secrets::check_freshness (metadata only: no value
// is read), with an AWS session only when a reference needs one.
release::CurrentSecretVersions make_current_versions(const aws::SessionOptions& session);

struct BuiltImage {
  std::string image;  // REPOSITORY:SHA (or SHA-dirty)
  std::string commit;
  std::string digest;
  std::string sbom;  // path of the CycloneDX file
};

// Builds the image of HEAD on the context's engine (build.cpp); throws core::InputError for a
// dirty tree without `allow_dirty` or a missing binary, core::SystemError when a step fails.
BuiltImage build_release_image(VmContext& context, bool allow_dirty, bool compile,
                               const std::string& binary, const std::string& containerfile);

// Returns the release ledger of `state_dir`.
release::Ledger load_ledger(const std::string& state_dir);

}  // namespace slipway::cli
