# The whole production environment plans offline with every module's guardrails evaluated
# against the composed values (mocked ARNs are realistic so the ARN validations and IAM
# guardrails see what AWS would return).

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
  mock_data "aws_route53_zone" {
    defaults = { zone_id = "Z0123456789ABCDEFGHIJ" }
  }
  mock_resource "aws_acm_certificate" {
    defaults = { arn = "arn:aws:acm:eu-west-1:123456789012:certificate/01234567-89ab-cdef-0123-456789abcdef", domain_validation_options = [] }
  }
  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" }
  }
  mock_resource "aws_secretsmanager_secret" {
    defaults = { arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:slipway/production/api-key-AbCdEf" }
  }
  mock_resource "aws_ssm_parameter" {
    defaults = { arn = "arn:aws:ssm:eu-west-1:123456789012:parameter/slipway/production/database-password" }
  }
  mock_resource "aws_ecr_repository" {
    defaults = { arn = "arn:aws:ecr:eu-west-1:123456789012:repository/slipway", repository_url = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/slipway", registry_id = "123456789012" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/slipway-production/service" }
  }
  mock_resource "aws_ecs_cluster" {
    defaults = { arn = "arn:aws:ecs:eu-west-1:123456789012:cluster/slipway-production" }
  }
  mock_resource "aws_ecs_service" {
    defaults = { id = "arn:aws:ecs:eu-west-1:123456789012:service/slipway-production/slipway-production" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mocked" }
  }
  mock_resource "aws_iam_openid_connect_provider" {
    defaults = { arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
  }
}

mock_provider "aws" {
  alias           = "dr"
  override_during = plan

  mock_data "aws_region" {
    defaults = { name = "eu-central-1" }
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
  mock_resource "aws_acm_certificate" {
    defaults = { arn = "arn:aws:acm:eu-central-1:123456789012:certificate/01234567-89ab-cdef-0123-456789abcdef", domain_validation_options = [] }
  }
  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" }
  }
  mock_resource "aws_ssm_parameter" {
    defaults = { arn = "arn:aws:ssm:eu-central-1:123456789012:parameter/slipway/production/database-password" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-central-1:123456789012:log-group:/ecs/slipway-production-dr/service" }
  }
  mock_resource "aws_ecs_cluster" {
    defaults = { arn = "arn:aws:ecs:eu-central-1:123456789012:cluster/slipway-production-dr" }
  }
  mock_resource "aws_ecs_service" {
    defaults = { id = "arn:aws:ecs:eu-central-1:123456789012:service/slipway-production-dr/slipway-production-dr" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mocked-dr" }
  }
}

variables {
  account_id        = "123456789012"
  hosted_zone_name  = "example.com"
  domain_name       = "slipway.example.com"
  release           = "0123456789abcdef0123456789abcdef01234567"
  github_repository = "example/slipway"
}

run "production_plans_with_every_guardrail" {
  command = plan

  module {
    source = "./envs/production"
  }

  assert {
    condition     = length(output.alarm_names) == 9 && length(output.dr.alarm_names) == 9
    error_message = "Both regions need an alarm for each of the nine signals."
  }

  assert {
    condition     = length(output.rollback_alarm_names) == 3
    error_message = "Unhealthy hosts, 5XX rate and p99 latency must roll a deployment back."
  }

  assert {
    condition     = [for s in output.container_secrets : s.name] == ["API_KEY", "DATABASE_PASSWORD"]
    error_message = "The task definition must receive API_KEY from Secrets Manager and DATABASE_PASSWORD from SSM."
  }

  assert {
    condition     = output.dr.region == "eu-central-1" && output.dr.parameter_arns["database-password"] != output.parameter_arns["database-password"]
    error_message = "The DR region must have its own parameters."
  }
}
