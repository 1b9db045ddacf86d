terraform {
  required_version = ">= 1.11.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80, < 6.0"
    }
  }

  # Partial configuration: bucket, key and region come from `-backend-config=backend.hcl`
  # (see backend.hcl.example and docs/operations.md). Credentials come from the environment
  # (SSO profile or the CI's OIDC role), never from files in this repository.
  backend "s3" {
    encrypt      = true
    use_lockfile = true # S3-native state locking (Terraform >= 1.10): no DynamoDB table needed
  }
}
