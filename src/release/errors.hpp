#pragma once
// Errors of the release module: a bad spec or template (user input), and a ledger that cannot
// be read or written (the machine).

#include "core/errors.hpp"

namespace slipway::release {

// slipway.yaml, deploy/*.json or a template is wrong: names the file, the field and the fix.
class SpecError : public core::InputError {
 public:
  using core::InputError::InputError;
};

// A release was asked for that the ledger does not hold (unknown SHA or revision, or no earlier
// good release to roll back to).
class ReleaseNotFound : public core::InputError {
 public:
  using core::InputError::InputError;
};

// Another deploy, rollback or other changing command holds the lock of this service (the vm
// target's state lock, the ECS service's lock tag) and it has not expired; names the holder and
// what to do. The CLI exits with ExitCode::locked. Neither input nor machine is at fault, so it
// derives from neither.
class LockedError : public core::Error {
 public:
  using core::Error::Error;
};

// The ledger file is unreadable or cannot be written.
class LedgerError : public core::SystemError {
 public:
  using core::SystemError::SystemError;
};

}  // namespace slipway::release
