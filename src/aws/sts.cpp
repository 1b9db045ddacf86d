#include "aws/sts.hpp"

#include "aws/xml.hpp"

namespace slipway::aws {

CallerIdentity StsClient::get_caller_identity() {
  const auto body = session_.call_query(kSts, "GetCallerIdentity", "2011-06-15", {});
  return CallerIdentity{.account = xml_element_text(body, "Account").value_or(""),
                        .arn = xml_element_text(body, "Arn").value_or(""),
                        .user_id = xml_element_text(body, "UserId").value_or("")};
}

}  // namespace slipway::aws
