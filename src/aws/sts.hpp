#pragma once
// AWS STS (Query protocol): GetCallerIdentity, the "who am I" check before anything else.

#include <string>

#include "aws/session.hpp"

namespace slipway::aws {

inline constexpr ServiceInfo kSts{
    .endpoint_prefix = "sts", .signing_name = "sts", .env_name = "STS"};

struct CallerIdentity {
  std::string account;
  std::string arn;
  std::string user_id;
};

class StsClient {
 public:
  explicit StsClient(Session& session) : session_(session) {}

  // GetCallerIdentity. Throws ServiceError (e.g. InvalidClientTokenId, SignatureDoesNotMatch).
  CallerIdentity get_caller_identity();

 private:
  Session& session_;
};

}  // namespace slipway::aws
