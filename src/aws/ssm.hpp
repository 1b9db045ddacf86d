#pragma once
// AWS Systems Manager Parameter Store (JSON 1.1): the calls slipway needs.

#include <cstdint>
#include <string>
#include <vector>

#include "aws/session.hpp"

namespace slipway::aws {

inline constexpr ServiceInfo kSsm{.endpoint_prefix = "ssm",
                                  .signing_name = "ssm",
                                  .env_name = "SSM",
                                  .json_target_prefix = "AmazonSSM"};

struct Parameter {
  std::string name;
  std::string type;  // String, StringList, SecureString
  std::string value;
  std::string arn;
  std::int64_t version = 0;
};

struct GetParametersResult {
  std::vector<Parameter> parameters;
  std::vector<std::string> invalid_parameters;  // names that do not exist
};

class SsmClient {
 public:
  explicit SsmClient(Session& session) : session_(session) {}

  // GetParameter (decrypted). Throws ServiceError "ParameterNotFound" when absent.
  Parameter get_parameter(const std::string& name, bool with_decryption = true);

  // GetParameters of 1-10 names or ARNs, decrypted.
  GetParametersResult get_parameters(const std::vector<std::string>& names,
                                     bool with_decryption = true);

  // GetParametersByPath, all pages.
  std::vector<Parameter> get_parameters_by_path(const std::string& path, bool recursive,
                                                bool with_decryption = true);

  // PutParameter; returns the new version.
  std::int64_t put_parameter(const std::string& name, const std::string& value,
                             const std::string& type = "SecureString", bool overwrite = true);

 private:
  Session& session_;
};

}  // namespace slipway::aws
