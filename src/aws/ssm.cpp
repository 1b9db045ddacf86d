#include "aws/ssm.hpp"

#include <boost/json.hpp>

#include "aws/errors.hpp"
#include "aws/json_fields.hpp"

namespace slipway::aws {
namespace {

Parameter parameter_from(const boost::json::object& object) {
  Parameter out{.name = string_or_empty(object, "Name"),
                .type = string_or_empty(object, "Type"),
                .value = string_or_empty(object, "Value"),
                .arn = string_or_empty(object, "ARN"),
                .version = 0};
  if (auto* version = object.if_contains("Version"); version && version->is_int64()) {
    out.version = version->as_int64();
  }
  return out;
}

}  // namespace

Parameter SsmClient::get_parameter(const std::string& name, bool with_decryption) {
  auto response = session_.call_json(kSsm, "GetParameter",
                                     {{"Name", name}, {"WithDecryption", with_decryption}});
  const auto* parameter = response.as_object().if_contains("Parameter");
  if (parameter == nullptr || !parameter->is_object()) {
    throw AwsError("ssm GetParameter returned no Parameter for " + name);
  }
  return parameter_from(parameter->as_object());
}

GetParametersResult SsmClient::get_parameters(const std::vector<std::string>& names,
                                              bool with_decryption) {
  if (names.empty() || names.size() > 10) {
    throw AwsError("GetParameters takes 1 to 10 names, got " + std::to_string(names.size()));
  }
  boost::json::array list;
  for (const auto& name : names) list.emplace_back(name);
  auto response =
      session_
          .call_json(kSsm, "GetParameters", {{"Names", list}, {"WithDecryption", with_decryption}})
          .as_object();
  GetParametersResult out;
  for (const auto& item : array_or_empty(response, "Parameters")) {
    if (item.is_object()) out.parameters.push_back(parameter_from(item.as_object()));
  }
  out.invalid_parameters = string_list(response, "InvalidParameters");
  return out;
}

std::vector<Parameter> SsmClient::get_parameters_by_path(const std::string& path, bool recursive,
                                                         bool with_decryption) {
  std::vector<Parameter> out;
  boost::json::object input{
      {"Path", path}, {"Recursive", recursive}, {"WithDecryption", with_decryption}};
  session_.call_json_pages(kSsm, "GetParametersByPath", input, "NextToken",
                           [&](const boost::json::object& response) {
                             for (const auto& item : array_or_empty(response, "Parameters")) {
                               if (item.is_object())
                                 out.push_back(parameter_from(item.as_object()));
                             }
                             return true;
                           });
  return out;
}

std::int64_t SsmClient::put_parameter(const std::string& name, const std::string& value,
                                      const std::string& type, bool overwrite) {
  auto response =
      session_
          .call_json(kSsm, "PutParameter",
                     {{"Name", name}, {"Value", value}, {"Type", type}, {"Overwrite", overwrite}})
          .as_object();
  if (auto* version = response.if_contains("Version"); version && version->is_int64()) {
    return version->as_int64();
  }
  return 0;
}

}  // namespace slipway::aws
