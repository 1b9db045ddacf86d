#pragma once
// Amazon CloudWatch Logs (JSON 1.1): the last lines of a service's tasks, printed when a deploy
// fails and by `slipway ecs logs`.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "aws/session.hpp"

namespace slipway::aws {

inline constexpr ServiceInfo kLogs{.endpoint_prefix = "logs",
                                   .signing_name = "logs",
                                   .env_name = "CLOUDWATCH_LOGS",
                                   .json_target_prefix = "Logs_20140328"};

struct LogEvent {
  std::int64_t timestamp_ms = 0;
  std::string stream;  // empty from GetLogEvents (the caller named it)
  std::string message;
};

struct FilterLogEventsInput {
  std::string group;
  std::optional<std::string> stream_prefix;
  std::optional<std::int64_t> start_time_ms;
  std::optional<std::string> pattern;
  std::size_t limit = 100;  // events returned at most, over all pages
};

// Parses a GetLogEvents or FilterLogEvents response's "events".
std::vector<LogEvent> parse_log_events(const boost::json::object& response);

class LogsClient {
 public:
  explicit LogsClient(Session& session) : session_(session) {}

  // GetLogEvents: the last `limit` events of one stream, oldest first. Throws ServiceError
  // (ResourceNotFoundException for an unknown group or stream).
  std::vector<LogEvent> get_log_events(const std::string& group, const std::string& stream,
                                       int limit);

  // FilterLogEvents over the group's streams, oldest first, up to input.limit events.
  std::vector<LogEvent> filter_log_events(const FilterLogEventsInput& input);

  // True when a log group with exactly this name exists (DescribeLogGroups by prefix).
  bool log_group_exists(const std::string& group);

 private:
  Session& session_;
};

}  // namespace slipway::aws
