# Rule: no IAM statement grants a wildcard action, or "*" as the resource of a secrets, KMS, SSM
# or ECS action (except the ECS actions IAM has no resource-level permissions for). The
# execution role reads exactly the service's secret and parameter ARNs and decrypts with
# exactly its key; the deploy role is assumable by the jobs of the deploy environment only
# (tests/policy/ judges the same policy with a real IAM evaluator against slipway's recorded calls).

mock_provider "aws" {
  override_during = plan

  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_ssm_parameter" {
    defaults = { value = "ami-0123456789abcdef0", insecure_value = "ami-0123456789abcdef0" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mocked" }
  }
  mock_resource "aws_iam_openid_connect_provider" {
    defaults = { arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
  }
  mock_resource "aws_ecs_task_definition" {
    defaults = { arn = "arn:aws:ecs:eu-west-1:123456789012:task-definition/slipway-test:1" }
  }
}

variables {
  # ecs_service
  name               = "slipway-test"
  cluster_name       = "slipway-test"
  cluster_arn        = "arn:aws:ecs:eu-west-1:123456789012:cluster/slipway-test"
  image              = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/slipway:0123456789abcdef0123456789abcdef01234567"
  release            = "0123456789abcdef0123456789abcdef01234567"
  secret_arns        = ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:slipway/test/api-key-AbCdEf"]
  parameter_arns     = ["arn:aws:ssm:eu-west-1:123456789012:parameter/slipway/test/database-password"]
  kms_key_arns       = ["arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"]
  ecr_repository_arn = "arn:aws:ecr:eu-west-1:123456789012:repository/slipway"
  log_group_name     = "/ecs/slipway-test/service"
  log_group_arn      = "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/slipway-test/service"
  subnet_ids         = ["subnet-1", "subnet-2"]
  security_group_ids = ["sg-1"]
  target_group_arn   = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/slipway-test/0123456789abcdef"
  listener_arn       = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/slipway-test/0123456789abcdef/fedcba9876543210"
  container_secrets = [
    { name = "API_KEY", valueFrom = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:slipway/test/api-key-AbCdEf" },
    { name = "DATABASE_PASSWORD", valueFrom = "arn:aws:ssm:eu-west-1:123456789012:parameter/slipway/test/database-password" },
  ]

  # ci_oidc
  github_repository = "example/slipway"
  service_arns      = ["arn:aws:ecs:eu-west-1:123456789012:service/slipway-test/slipway-test"]
  task_family_arns  = ["arn:aws:ecs:eu-west-1:123456789012:task-definition/slipway-test"]
  cluster_arns      = ["arn:aws:ecs:eu-west-1:123456789012:cluster/slipway-test"]
  pass_role_arns    = ["arn:aws:iam::123456789012:role/slipway-test-execution", "arn:aws:iam::123456789012:role/slipway-test-task"]

  # ecs_cluster
  private_subnet_ids  = ["subnet-1", "subnet-2"]
  ecr_repository_arns = ["arn:aws:ecr:eu-west-1:123456789012:repository/slipway"]
  log_group_arns      = ["arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/slipway-test/service"]
}

run "execution_role_reads_exactly_the_service_secrets" {
  command = plan

  module {
    source = "./modules/ecs_service"
  }

  assert {
    condition     = tolist(one([for s in jsondecode(aws_iam_role_policy.execution.policy).Statement : s.Resource if contains(s.Action, "secretsmanager:GetSecretValue")])) == tolist(var.secret_arns)
    error_message = "secretsmanager:GetSecretValue must be granted on exactly the service's secret ARNs."
  }

  assert {
    condition     = tolist(one([for s in jsondecode(aws_iam_role_policy.execution.policy).Statement : s.Resource if contains(s.Action, "ssm:GetParameters")])) == tolist(var.parameter_arns)
    error_message = "ssm:GetParameters must be granted on exactly the service's parameter ARNs."
  }

  assert {
    condition     = tolist(one([for s in jsondecode(aws_iam_role_policy.execution.policy).Statement : s.Resource if contains(s.Action, "kms:Decrypt")])) == tolist(var.kms_key_arns)
    error_message = "kms:Decrypt must be granted on exactly the service's key."
  }

  assert {
    condition = alltrue(flatten([for s in jsondecode(aws_iam_role_policy.execution.policy).Statement : [
      for a in s.Action : !contains(s.Resource, "*") if contains(["secretsmanager", "kms", "ssm", "ecs"], split(":", a)[0])
    ]]))
    error_message = "No secrets/KMS/SSM/ECS action may have resource \"*\"."
  }
}

run "rejects_secrets_read_on_any_resource" {
  command = plan

  module {
    source = "./modules/ecs_service"
  }

  variables {
    extra_execution_role_statements = [{ sid = "TooBroad", actions = ["secretsmanager:GetSecretValue"], resources = ["*"] }]
  }

  expect_failures = [aws_iam_role_policy.execution]
}

run "rejects_kms_wildcard_action" {
  command = plan

  module {
    source = "./modules/ecs_service"
  }

  variables {
    extra_execution_role_statements = [{ sid = "AllKms", actions = ["kms:*"], resources = ["arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"] }]
  }

  expect_failures = [aws_iam_role_policy.execution]
}

run "rejects_wildcard_secret_arns" {
  command = plan

  module {
    source = "./modules/ecs_service"
  }

  variables {
    secret_arns = ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:slipway/*"]
  }

  expect_failures = [var.secret_arns]
}

run "instance_role_is_scoped_to_its_cluster" {
  command = plan

  module {
    source = "./modules/ecs_cluster"
  }

  variables {
    name               = "slipway-test"
    security_group_ids = ["sg-1"]
  }

  assert {
    condition = alltrue(flatten([for s in jsondecode(aws_iam_role_policy.instance.policy).Statement : [
      for a in s.Action : !contains(s.Resource, "*") || a == "ecs:DiscoverPollEndpoint" || startswith(a, "ecr:GetAuthorizationToken") if startswith(a, "ecs:") || startswith(a, "ecr:")
    ]]))
    error_message = "The instance role's ECS actions must be scoped to the cluster (DiscoverPollEndpoint has no resource-level permissions)."
  }
}

run "deploy_role_only_from_the_deploy_environment_and_only_this_service" {
  command = plan

  module {
    source = "./modules/ci_oidc"
  }

  variables {
    name               = "slipway-test-deploy"
    ecr_repository_arn = "arn:aws:ecr:eu-west-1:123456789012:repository/slipway"
  }

  assert {
    condition     = jsondecode(aws_iam_role.this.assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"] == "repo:example/slipway:environment:production"
    error_message = "Only the jobs of the repository's production environment may assume the deploy role."
  }

  assert {
    condition     = tolist(one([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Resource if contains(s.Action, "ecs:UpdateService")])) == tolist(var.service_arns)
    error_message = "ecs:UpdateService must be scoped to this service."
  }

  assert {
    condition = tolist(one([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Resource if contains(s.Action, "ecs:StopServiceDeployment")])) == tolist(concat(var.service_arns, [
      "arn:aws:ecs:eu-west-1:123456789012:service-deployment/slipway-test/slipway-test/*",
    ]))
    error_message = "Following and stopping service deployments must be scoped to this service's."
  }

  assert {
    condition     = tolist(one([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Resource if contains(s.Action, "ecr:PutImage")])) == tolist(["arn:aws:ecr:eu-west-1:123456789012:repository/slipway"])
    error_message = "Pushing must be scoped to this repository."
  }
}

run "rejects_deploy_role_on_any_service" {
  command = plan

  module {
    source = "./modules/ci_oidc"
  }

  variables {
    name               = "slipway-test-deploy"
    ecr_repository_arn = "arn:aws:ecr:eu-west-1:123456789012:repository/slipway"
    extra_statements   = [{ sid = "AnyService", actions = ["ecs:UpdateService"], resources = ["*"] }]
  }

  expect_failures = [aws_iam_role_policy.this]
}

run "rejects_deploy_role_from_any_environment" {
  command = plan

  module {
    source = "./modules/ci_oidc"
  }

  variables {
    name               = "slipway-test-deploy"
    ecr_repository_arn = "arn:aws:ecr:eu-west-1:123456789012:repository/slipway"
    github_environment = "prod*"
  }

  expect_failures = [var.github_environment]
}
