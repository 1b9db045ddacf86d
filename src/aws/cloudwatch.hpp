#pragma once
// Amazon CloudWatch (Query protocol, 2010-08-01): alarm states, watched during a deploy's bake
// time.

#include <string>
#include <vector>

#include "aws/session.hpp"

namespace slipway::aws {

inline constexpr ServiceInfo kCloudWatch{
    .endpoint_prefix = "monitoring", .signing_name = "monitoring", .env_name = "CLOUDWATCH"};

struct AlarmState {
  std::string name;
  std::string state;   // OK | ALARM | INSUFFICIENT_DATA
  std::string reason;  // StateReason
  bool operator==(const AlarmState&) const = default;
};

// Parses a DescribeAlarms response body (metric and composite alarms).
std::vector<AlarmState> parse_alarms(std::string_view xml);

class CloudWatchClient {
 public:
  explicit CloudWatchClient(Session& session) : session_(session) {}

  // DescribeAlarms for `names` (at most 100; all pages). Unknown names are simply absent.
  std::vector<AlarmState> describe_alarms(const std::vector<std::string>& names);

 private:
  Session& session_;
};

}  // namespace slipway::aws
