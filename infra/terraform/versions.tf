# infra/terraform itself is the root module of the policy tests (`terraform test` reads
# tests/*.tftest.hcl from here; every run loads a module or an environment through `module {}`).
# It declares no resources of its own.
terraform {
  required_version = ">= 1.11.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80, < 6.0"
    }
  }
}
