#pragma once
// Errors of the vm target. Input errors (a port in use, an unknown image, an unresolvable
// secret, a lock held by a live run) change nothing; system errors mean the engine, HAProxy or
// the state directory failed.

#include "core/errors.hpp"
#include "release/errors.hpp"

namespace slipway::targets::vm {

// Another slipway run holds the state lock; names its owner. One class for both targets.
using LockedError = release::LockedError;

// A port slipway must listen on is taken by another program.
class PortInUse : public core::InputError {
 public:
  using core::InputError::InputError;
};

// The image to deploy is not in the engine's store.
class UnknownImage : public core::InputError {
 public:
  using core::InputError::InputError;
};

// A secret of the task definition could not be resolved; nothing was started.
class SecretUnresolvable : public core::InputError {
 public:
  using core::InputError::InputError;
};

// The stack is not up (no HAProxy, no state) for a command that needs it.
class NotRunning : public core::InputError {
 public:
  using core::InputError::InputError;
};

// The container engine or a replica process failed.
class EngineError : public core::SystemError {
 public:
  using core::SystemError::SystemError;
};

// HAProxy failed to start or its runtime API refused a command.
class HaproxyError : public core::SystemError {
 public:
  using core::SystemError::SystemError;
};

// HAProxy's runtime API does not know the server named (already removed, or HAProxy restarted
// without it).
class NoSuchServer : public HaproxyError {
 public:
  using HaproxyError::HaproxyError;
};

}  // namespace slipway::targets::vm
