#pragma once
// Errors of secret resolution. Messages name the variable and the reference (never a value).

#include "core/errors.hpp"

namespace slipway::secrets {

// A reference that cannot be parsed (malformed ARN, wrong number of parts, unknown scheme).
class ReferenceError : public core::InputError {
 public:
  using core::InputError::InputError;
};

// A reference that parses but does not resolve: missing secret, parameter, JSON key, env var or
// file; a secret that is not JSON when a key is asked; a binary secret.
class ResolutionError : public core::InputError {
 public:
  using core::InputError::InputError;
};

}  // namespace slipway::secrets
