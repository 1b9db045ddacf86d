#include "aws/ecr.hpp"

#include <boost/json.hpp>

#include "aws/errors.hpp"
#include "aws/json_fields.hpp"

namespace slipway::aws {

std::optional<EcrImage> EcrClient::describe_image(const std::string& repository,
                                                  const std::string& tag) {
  boost::json::object input{
      {"repositoryName", repository},
      {"imageIds", boost::json::array{boost::json::object{{"imageTag", tag}}}}};
  try {
    auto response = session_.call_json(kEcr, "DescribeImages", input).as_object();
    for (const auto& item : array_or_empty(response, "imageDetails")) {
      if (!item.is_object()) continue;
      const auto& detail = item.as_object();
      return EcrImage{.repository = string_or_empty(detail, "repositoryName"),
                      .digest = string_or_empty(detail, "imageDigest"),
                      .tags = string_list(detail, "imageTags")};
    }
    return std::nullopt;
  } catch (const ServiceError& error) {
    if (error.code() == "ImageNotFoundException") return std::nullopt;
    throw;
  }
}

std::optional<std::pair<std::string, std::string>> ecr_repository_and_tag(std::string_view image) {
  const auto at = image.find('@');
  if (at != std::string_view::npos) image = image.substr(0, at);
  const auto slash = image.find('/');
  auto path = slash == std::string_view::npos ? image : image.substr(slash + 1);
  // A first component without '.' or ':' is part of the repository, not a registry host.
  if (slash != std::string_view::npos) {
    const auto host = image.substr(0, slash);
    if (host.find('.') == std::string_view::npos && host.find(':') == std::string_view::npos &&
        host != "localhost") {
      path = image;
    }
  }
  const auto colon = path.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == path.size())
    return std::nullopt;
  return std::make_pair(std::string(path.substr(0, colon)), std::string(path.substr(colon + 1)));
}

}  // namespace slipway::aws
