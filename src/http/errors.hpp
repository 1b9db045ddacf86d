#pragma once
// Errors a handler throws to answer with a status. The client sees `code` and the public
// message; the log gets what() — kept apart so internals never leak into a response body.

#include <string>

#include "core/errors.hpp"
#include "http/message.hpp"

namespace slipway::http {

class HttpError : public core::Error {
 public:
  HttpError(Status status, std::string code, std::string public_message, std::string log_message)
      : core::Error(std::move(log_message)),
        status_(status),
        code_(std::move(code)),
        public_message_(std::move(public_message)) {}

  Status status() const { return status_; }
  const std::string& code() const { return code_; }
  const std::string& public_message() const { return public_message_; }

 private:
  Status status_;
  std::string code_;
  std::string public_message_;
};

}  // namespace slipway::http
