#include "aws/iam.hpp"

#include "aws/xml.hpp"
#include "aws/xml_members.hpp"

namespace slipway::aws {
namespace {
constexpr std::string_view kVersion = "2010-05-08";
}

std::string url_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const auto hex = std::string(text.substr(i + 1, 2));
      char* end = nullptr;
      const auto value = std::strtol(hex.c_str(), &end, 16);
      if (end == hex.c_str() + 2) {
        out.push_back(static_cast<char>(value));
        i += 2;
        continue;
      }
    }
    out.push_back(text[i] == '+' ? ' ' : text[i]);
  }
  return out;
}

std::vector<std::string> IamClient::role_policy_documents(const std::string& role_name) {
  std::vector<std::string> documents;
  const auto inline_names =
      session_.call_query(kIam, "ListRolePolicies", kVersion, {{"RoleName", role_name}});
  for (const auto member : xml_members(inline_names, "PolicyNames")) {
    const auto name = xml_unescape(member);
    const auto policy = session_.call_query(kIam, "GetRolePolicy", kVersion,
                                            {{"RoleName", role_name}, {"PolicyName", name}});
    documents.push_back(url_decode(xml_element_text(policy, "PolicyDocument").value_or("")));
  }
  const auto attached =
      session_.call_query(kIam, "ListAttachedRolePolicies", kVersion, {{"RoleName", role_name}});
  for (const auto member : xml_members(attached, "AttachedPolicies")) {
    const auto arn = xml_element_text(member, "PolicyArn").value_or("");
    const auto policy = session_.call_query(kIam, "GetPolicy", kVersion, {{"PolicyArn", arn}});
    const auto version = xml_element_text(policy, "DefaultVersionId").value_or("v1");
    const auto document = session_.call_query(kIam, "GetPolicyVersion", kVersion,
                                              {{"PolicyArn", arn}, {"VersionId", version}});
    documents.push_back(url_decode(xml_element_text(document, "Document").value_or("")));
  }
  return documents;
}

}  // namespace slipway::aws
