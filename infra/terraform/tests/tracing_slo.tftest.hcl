# Rule: the service's traces and custom metrics have what they need in AWS. The task role may
# write to X-Ray (PutTraceSegments, PutTelemetryRecords) and nothing more of it; X-Ray is
# reached through an interface endpoint; the 5xx ratio of the service's EMF metrics has an SLO
# burn-rate pair (fast: 14.4x over 1 h and 5 min; slow: 6x over 6 h and 30 min) that notifies
# through one composite alarm per pair.
# Run: scripts/terraform.sh production test -test-directory=../../tests (see README.md).

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
  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mocked" }
  }
  mock_resource "aws_security_group" {
    defaults = { id = "sg-0123456789abcdef0" }
  }
  mock_resource "aws_vpc_endpoint" {
    defaults = { prefix_list_id = "pl-6da54004" }
  }
}

variables {
  name         = "slipway-test"
  service_name = "slipway-test"

  # observability
  cluster_name             = "slipway-test"
  cluster_arn              = "arn:aws:ecs:eu-west-1:123456789012:cluster/slipway-test"
  load_balancer_arn_suffix = "app/slipway-test/0123456789abcdef"
  target_group_arn_suffix  = "targetgroup/slipway-test/0123456789abcdef"
  autoscaling_group_name   = "slipway-test"

  # ecs_service
  image              = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/slipway:0123456789abcdef0123456789abcdef01234567"
  release            = "0123456789abcdef0123456789abcdef01234567"
  secret_arns        = ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:slipway/test/api-key-AbCdEf"]
  parameter_arns     = ["arn:aws:ssm:eu-west-1:123456789012:parameter/slipway/test/database-url"]
  kms_key_arns       = ["arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"]
  ecr_repository_arn = "arn:aws:ecr:eu-west-1:123456789012:repository/slipway"
  log_group_name     = "/ecs/slipway-test/service"
  log_group_arn      = "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/slipway-test/service"
  subnet_ids         = ["subnet-1", "subnet-2"]
  security_group_ids = ["sg-1"]
  target_group_arn   = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/slipway-test/0123456789abcdef"
  listener_arn       = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/slipway-test/0123456789abcdef/fedcba9876543210"

  # network
  availability_zones = ["eu-west-1a", "eu-west-1b"]
}

run "task_role_writes_to_xray_and_nothing_more" {
  command = plan

  module {
    source = "./modules/ecs_service"
  }

  assert {
    condition     = aws_iam_role_policy.task_xray.role == aws_iam_role.task.id
    error_message = "The X-Ray policy must be the task role's (the service sends segments itself)."
  }

  assert {
    condition     = toset(flatten([for s in jsondecode(aws_iam_role_policy.task_xray.policy).Statement : s.Action])) == toset(["xray:PutTraceSegments", "xray:PutTelemetryRecords"])
    error_message = "The task role may xray:PutTraceSegments and xray:PutTelemetryRecords, nothing else."
  }

  assert {
    condition     = alltrue([for s in jsondecode(aws_iam_role_policy.task_xray.policy).Statement : s.Effect == "Allow"])
    error_message = "The X-Ray policy only allows."
  }
}

run "xray_is_reached_through_an_interface_endpoint" {
  command = plan

  module {
    source = "./modules/network"
  }

  assert {
    condition     = aws_vpc_endpoint.interface["xray"].service_name == "com.amazonaws.eu-west-1.xray" && aws_vpc_endpoint.interface["xray"].vpc_endpoint_type == "Interface" && aws_vpc_endpoint.interface["xray"].private_dns_enabled
    error_message = "An xray interface endpoint with private DNS must exist, so segments never leave the VPC."
  }
}

run "slo_burn_rate_pairs_on_the_5xx_ratio" {
  command = plan

  module {
    source = "./modules/observability"
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.slo_burn_rate) == 4 && alltrue([for k, want in { fast_long = [3600, 0.0144], fast_short = [300, 0.0144], slow_long = [21600, 0.006], slow_short = [1800, 0.006] } : one([for q in aws_cloudwatch_metric_alarm.slo_burn_rate[k].metric_query : q.metric[0].period if q.id == "errors"]) == want[0] && abs(aws_cloudwatch_metric_alarm.slo_burn_rate[k].threshold - want[1]) < 1e-9])
    error_message = "Burn-rate windows must be 1 h and 5 min at 14.4x, 6 h and 30 min at 6x, of a 0.1 % budget."
  }

  assert {
    condition = alltrue([for a in aws_cloudwatch_metric_alarm.slo_burn_rate :
      { for q in a.metric_query : q.id => q }["errors"].metric[0].namespace == "slipway" &&
      { for q in a.metric_query : q.id => q }["errors"].metric[0].metric_name == "Requests" &&
      { for q in a.metric_query : q.id => q }["errors"].metric[0].dimensions == tomap({ Service = "slipway-test", StatusClass = "5xx" }) &&
      { for q in a.metric_query : q.id => q }["requests"].metric[0].dimensions == tomap({ Service = "slipway-test" }) &&
      { for q in a.metric_query : q.id => q }["errors"].metric[0].period == { for q in a.metric_query : q.id => q }["requests"].metric[0].period &&
      { for q in a.metric_query : q.id => q }["ratio"].return_data && strcontains({ for q in a.metric_query : q.id => q }["ratio"].expression, "errors") && strcontains({ for q in a.metric_query : q.id => q }["ratio"].expression, "/ requests")
    ])
    error_message = "Each window divides the service's 5xx Requests by all its Requests (the EMF dimension sets), over the same period."
  }

  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.slo_burn_rate : a.comparison_operator == "GreaterThanThreshold" && a.treat_missing_data == "notBreaching" && length(a.alarm_actions) == 0])
    error_message = "Window alarms fire above the threshold, stay quiet without traffic, and notify only through their pair's composite."
  }

  assert {
    condition     = aws_cloudwatch_composite_alarm.slo_burn_rate["fast"].alarm_rule == "ALARM(\"slipway-test-slo-burn-fast-long\") AND ALARM(\"slipway-test-slo-burn-fast-short\")" && aws_cloudwatch_composite_alarm.slo_burn_rate["slow"].alarm_rule == "ALARM(\"slipway-test-slo-burn-slow-long\") AND ALARM(\"slipway-test-slo-burn-slow-short\")"
    error_message = "Each pair alarms only when both its long and its short window burn."
  }

  assert {
    condition     = alltrue([for c in aws_cloudwatch_composite_alarm.slo_burn_rate : length(c.alarm_actions) == 1 && length(c.ok_actions) == 1])
    error_message = "Each composite notifies the alarm topic."
  }

  assert {
    condition     = length(setsubtract(["ecs_cpu_high", "target_5xx_rate"], keys(aws_cloudwatch_metric_alarm.this))) == 0
    error_message = "The infrastructure alarms stay beside the SLO alarms."
  }
}

run "without_composites_the_windows_notify" {
  command = plan

  module {
    source = "./modules/observability"
  }

  variables {
    composite_alarms         = false
    slo_availability_percent = 99.5
  }

  assert {
    condition     = length(aws_cloudwatch_composite_alarm.slo_burn_rate) == 0 && alltrue([for a in aws_cloudwatch_metric_alarm.slo_burn_rate : length(a.alarm_actions) == 1])
    error_message = "Without composite alarms (moto) each window alarm notifies itself."
  }

  assert {
    condition     = abs(aws_cloudwatch_metric_alarm.slo_burn_rate["fast_long"].threshold - 0.072) < 1e-9
    error_message = "The threshold follows the SLO: 14.4 x (100 - 99.5) %."
  }
}

run "rejects_an_slo_of_100_percent" {
  command = plan

  module {
    source = "./modules/observability"
  }

  variables {
    slo_availability_percent = 100
  }

  expect_failures = [var.slo_availability_percent]
}
