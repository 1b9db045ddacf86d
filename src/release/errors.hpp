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

// The ledger file is unreadable or cannot be written.
class LedgerError : public core::SystemError {
 public:
  using core::SystemError::SystemError;
};

}  // namespace slipway::release
