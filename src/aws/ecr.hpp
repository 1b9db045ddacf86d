#pragma once
// Amazon ECR (JSON 1.1): does IMAGE:TAG exist, and what is its digest — checked before a deploy
// and recorded on the task definition revision.

#include <optional>
#include <string>
#include <vector>

#include "aws/session.hpp"

namespace slipway::aws {

inline constexpr ServiceInfo kEcr{.endpoint_prefix = "api.ecr",
                                  .signing_name = "ecr",
                                  .env_name = "ECR",
                                  .json_target_prefix = "AmazonEC2ContainerRegistry_V20150921"};

struct EcrImage {
  std::string repository;
  std::string digest;  // sha256:...
  std::vector<std::string> tags;
};

class EcrClient {
 public:
  explicit EcrClient(Session& session) : session_(session) {}

  // DescribeImages for one tag; nullopt when the repository has no such tag
  // (ImageNotFoundException). Throws ServiceError (RepositoryNotFoundException, ...).
  std::optional<EcrImage> describe_image(const std::string& repository, const std::string& tag);

 private:
  Session& session_;
};

// Splits an ECR image reference "ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO:TAG" (or "REPO:TAG")
// into repository name and tag; nullopt when there is no tag.
std::optional<std::pair<std::string, std::string>> ecr_repository_and_tag(std::string_view image);

}  // namespace slipway::aws
