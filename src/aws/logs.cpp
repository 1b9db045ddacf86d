#include "aws/logs.hpp"

#include <boost/json.hpp>

#include "aws/json_fields.hpp"

namespace slipway::aws {

std::vector<LogEvent> parse_log_events(const boost::json::object& response) {
  std::vector<LogEvent> out;
  for (const auto& item : array_or_empty(response, "events")) {
    if (!item.is_object()) continue;
    const auto& event = item.as_object();
    LogEvent parsed{.timestamp_ms = 0,
                    .stream = string_or_empty(event, "logStreamName"),
                    .message = string_or_empty(event, "message")};
    if (const auto* timestamp = event.if_contains("timestamp");
        timestamp && timestamp->is_number()) {
      parsed.timestamp_ms = timestamp->to_number<std::int64_t>();
    }
    out.push_back(std::move(parsed));
  }
  return out;
}

std::vector<LogEvent> LogsClient::get_log_events(const std::string& group,
                                                 const std::string& stream, int limit) {
  boost::json::object input{{"logGroupName", group},
                            {"logStreamName", stream},
                            {"limit", limit},
                            {"startFromHead", false}};
  return parse_log_events(session_.call_json(kLogs, "GetLogEvents", input).as_object());
}

std::vector<LogEvent> LogsClient::filter_log_events(const FilterLogEventsInput& input) {
  boost::json::object request{{"logGroupName", input.group}};
  if (input.stream_prefix) request["logStreamNamePrefix"] = *input.stream_prefix;
  if (input.start_time_ms) request["startTime"] = *input.start_time_ms;
  if (input.pattern) request["filterPattern"] = *input.pattern;
  std::vector<LogEvent> out;
  session_.call_json_pages(kLogs, "FilterLogEvents", request, "nextToken",
                           [&](const boost::json::object& response) {
                             auto page = parse_log_events(response);
                             out.insert(out.end(), page.begin(), page.end());
                             return out.size() < input.limit;
                           });
  // Keep the newest `limit`: the failure is usually at the end.
  if (out.size() > input.limit) out.erase(out.begin(), out.end() - static_cast<long>(input.limit));
  return out;
}

bool LogsClient::log_group_exists(const std::string& group) {
  bool found = false;
  session_.call_json_pages(
      kLogs, "DescribeLogGroups", {{"logGroupNamePrefix", group}}, "nextToken",
      [&](const boost::json::object& response) {
        for (const auto& item : array_or_empty(response, "logGroups")) {
          if (item.is_object() && string_or_empty(item.as_object(), "logGroupName") == group) {
            found = true;
          }
        }
        return !found;
      });
  return found;
}

}  // namespace slipway::aws
