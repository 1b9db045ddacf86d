#pragma once
// Elastic Load Balancing v2 (Query protocol, 2015-12-01): target health of a target group, the
// ALB's view of whether the new tasks serve.

#include <string>
#include <vector>

#include "aws/session.hpp"

namespace slipway::aws {

inline constexpr ServiceInfo kElbv2{.endpoint_prefix = "elasticloadbalancing",
                                    .signing_name = "elasticloadbalancing",
                                    .env_name = "ELASTIC_LOAD_BALANCING_V2"};

struct TargetHealth {
  std::string id;           // instance id or IP
  std::string port;         // as sent, may be empty
  std::string state;        // initial | healthy | unhealthy | unused | draining | unavailable
  std::string reason;       // e.g. Target.ResponseCodeMismatch
  std::string description;  // human text from the ALB
  bool operator==(const TargetHealth&) const = default;
};

// Parses a DescribeTargetHealth response body.
std::vector<TargetHealth> parse_target_health(std::string_view xml);

class Elbv2Client {
 public:
  explicit Elbv2Client(Session& session) : session_(session) {}

  // DescribeTargetHealth of every registered target. Throws ServiceError
  // (TargetGroupNotFound for an unknown ARN).
  std::vector<TargetHealth> describe_target_health(const std::string& target_group_arn);

 private:
  Session& session_;
};

}  // namespace slipway::aws
