#pragma once
// How the vm target gets secret values: an injected resolver, so the target does not depend on
// how secrets are fetched (the CLI wires in secrets::resolve_secrets with the local or real AWS
// store). Resolution is all or nothing, before anything starts.

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "release/workload.hpp"

namespace slipway::targets::vm {

struct ResolvedSecrets {
  std::map<std::string, std::string> values;    // env name -> value (never logged)
  std::map<std::string, std::string> versions;  // env name -> version id, when known
};

// Resolves every reference or throws (any exception): the target reports it as
// SecretUnresolvable and changes nothing.
using SecretResolver = std::function<ResolvedSecrets(const std::vector<release::SecretRef>&)>;

}  // namespace slipway::targets::vm
