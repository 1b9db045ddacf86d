#include "aws/cloudwatch.hpp"

#include "aws/errors.hpp"
#include "aws/xml.hpp"
#include "aws/xml_members.hpp"

namespace slipway::aws {

std::vector<AlarmState> parse_alarms(std::string_view xml) {
  std::vector<AlarmState> out;
  for (const auto* container : {"MetricAlarms", "CompositeAlarms"}) {
    for (const auto member : xml_members(xml, container)) {
      out.push_back({.name = xml_element_text(member, "AlarmName").value_or(""),
                     .state = xml_element_text(member, "StateValue").value_or(""),
                     .reason = xml_element_text(member, "StateReason").value_or("")});
    }
  }
  return out;
}

std::vector<AlarmState> CloudWatchClient::describe_alarms(const std::vector<std::string>& names) {
  if (names.empty()) return {};
  if (names.size() > 100) {
    throw AwsError("DescribeAlarms takes at most 100 alarm names, got " +
                   std::to_string(names.size()));
  }
  std::vector<AlarmState> out;
  std::string next_token;
  for (;;) {
    QueryList parameters;
    for (std::size_t i = 0; i < names.size(); ++i) {
      parameters.emplace_back("AlarmNames.member." + std::to_string(i + 1), names[i]);
    }
    parameters.emplace_back("AlarmTypes.member.1", "MetricAlarm");
    parameters.emplace_back("AlarmTypes.member.2", "CompositeAlarm");
    if (!next_token.empty()) parameters.emplace_back("NextToken", next_token);
    const auto body = session_.call_query(kCloudWatch, "DescribeAlarms", "2010-08-01", parameters);
    auto page = parse_alarms(body);
    out.insert(out.end(), page.begin(), page.end());
    next_token = xml_element_text(body, "NextToken").value_or("");
    if (next_token.empty()) break;
  }
  return out;
}

}  // namespace slipway::aws
