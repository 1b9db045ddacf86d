#pragma once
// The one place a verb's target is chosen: slipway.yaml's `target:` picks the vm or the ecs
// implementation of release::Target, built from the options every deploying verb shares. Verbs
// then drive the interface and never ask which target they hold.

#include <memory>

#include "cli/command.hpp"
#include "cli/vm_context.hpp"
#include "release/target.hpp"

namespace slipway::cli {

// Loads the spec of `options` and returns its target. Throws core::InputError for a bad spec or
// option, and for a flag that means nothing on the spec's target (--engine or --state-dir on
// ecs). ECS progress goes to stderr (JSON events on stdout with --output json), as vm's does.
std::unique_ptr<release::Target> make_target(const VmOptions& options,
                                             const GlobalOptions& globals);

}  // namespace slipway::cli
