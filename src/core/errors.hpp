#pragma once
// The root of slipway's error hierarchy. Every module derives its own errors from these, so the
// CLI can map a whole family to one exit code. Messages are one line: what went wrong, naming
// the thing, and how to fix it.

#include <stdexcept>

namespace slipway::core {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Bad input from a user: environment variable, file, flag, template. Never retried.
class InputError : public Error {
 public:
  using Error::Error;
};

// The machine said no: file, socket or process operation failed.
class SystemError : public Error {
 public:
  using Error::Error;
};

}  // namespace slipway::core
