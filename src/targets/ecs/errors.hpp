#pragma once
// Errors of the ECS target: input the user can fix (unknown cluster or service, image not in
// ECR, nothing to roll back to) and failures of the target itself.

#include "core/errors.hpp"
#include "release/errors.hpp"

namespace slipway::targets::ecs {

// Bad input: names the thing and the fix.
class EcsInputError : public core::InputError {
 public:
  using core::InputError::InputError;
};

// Something ECS did or did not do that is not the user's input.
class EcsError : public core::Error {
 public:
  using core::Error::Error;
};

// Another deploy or rollback holds the service's lock (the slipway:lock tag) and it has not
// expired. One class for both targets.
using LockedError = release::LockedError;

}  // namespace slipway::targets::ecs
