#include "aws/elbv2.hpp"

#include "aws/xml.hpp"
#include "aws/xml_members.hpp"

namespace slipway::aws {

std::vector<TargetHealth> parse_target_health(std::string_view xml) {
  std::vector<TargetHealth> out;
  for (const auto member : xml_members(xml, "TargetHealthDescriptions")) {
    TargetHealth target;
    target.id = xml_element_text(member, "Id").value_or("");
    target.port = xml_element_text(member, "Port").value_or("");
    target.state = xml_element_text(member, "State").value_or("");
    target.reason = xml_element_text(member, "Reason").value_or("");
    target.description = xml_element_text(member, "Description").value_or("");
    out.push_back(std::move(target));
  }
  return out;
}

std::vector<TargetHealth> Elbv2Client::describe_target_health(const std::string& target_group_arn) {
  const auto body = session_.call_query(kElbv2, "DescribeTargetHealth", "2015-12-01",
                                        {{"TargetGroupArn", target_group_arn}});
  return parse_target_health(body);
}

}  // namespace slipway::aws
