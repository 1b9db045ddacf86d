#pragma once
// Errors of the AWS layer. The CLI maps the whole family to ExitCode::aws_error; messages name
// the operation, the AWS error code and what to do.

#include <string>

#include "core/errors.hpp"

namespace slipway::aws {

// Bad configuration: region, endpoint URL, profile, credential files.
class ConfigError : public core::InputError {
 public:
  using core::InputError::InputError;
};

// Any failure talking to AWS.
class AwsError : public core::Error {
 public:
  using core::Error::Error;
};

// No usable credentials, or the only ones found have expired.
class CredentialsError : public AwsError {
 public:
  using AwsError::AwsError;
};

// The endpoint could not be reached or answered garbage: DNS, connect, TLS, timeout, framing.
class NetworkError : public AwsError {
 public:
  using AwsError::AwsError;
};

// AWS answered with an error document. code() is the bare error type, e.g.
// "ResourceNotFoundException", "AccessDeniedException", "SignatureDoesNotMatch".
class ServiceError : public AwsError {
 public:
  ServiceError(std::string message, std::string code, unsigned status)
      : AwsError(std::move(message)), code_(std::move(code)), status_(status) {}
  const std::string& code() const noexcept { return code_; }
  unsigned status() const noexcept { return status_; }
  // True for the error codes that mean "the caller may not do this".
  bool is_access_denied() const noexcept;

 private:
  std::string code_;
  unsigned status_;
};

}  // namespace slipway::aws
