# Rule: an alarm exists for each listed signal (ECS CPU and memory, ALB unhealthy hosts, target
# 5XX rate, target p99 latency, ASG status checks), every log group has a retention, and logs
# and the alarm topic are encrypted with a customer-managed key.

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
}

variables {
  name                     = "slipway-test"
  cluster_name             = "slipway-test"
  cluster_arn              = "arn:aws:ecs:eu-west-1:123456789012:cluster/slipway-test"
  service_name             = "slipway-test"
  load_balancer_arn_suffix = "app/slipway-test/0123456789abcdef"
  target_group_arn_suffix  = "targetgroup/slipway-test/0123456789abcdef"
  autoscaling_group_name   = "slipway-test"
}

run "every_signal_has_an_alarm_and_logs_expire" {
  command = plan

  module {
    source = "./modules/observability"
  }

  assert {
    condition     = length(setsubtract(["ecs_cpu_high", "ecs_memory_high", "alb_unhealthy_hosts", "target_5xx_rate", "target_p99_latency", "asg_status_check_failed"], keys(aws_cloudwatch_metric_alarm.this))) == 0
    error_message = "Every listed signal needs an alarm."
  }

  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.this : length(a.alarm_actions) == 1])
    error_message = "Every alarm must notify the topic."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["target_p99_latency"].extended_statistic == "p99"
    error_message = "The latency alarm must watch p99."
  }

  assert {
    condition     = alltrue([for g in [aws_cloudwatch_log_group.service, aws_cloudwatch_log_group.events] : g.retention_in_days > 0 && g.kms_key_id != null])
    error_message = "Every log group needs a retention and a KMS key."
  }

  assert {
    condition     = aws_sns_topic.alarms.kms_master_key_id != null
    error_message = "The alarm topic must be encrypted."
  }
}

run "rejects_disabling_an_alarm" {
  command = plan

  module {
    source = "./modules/observability"
  }

  variables {
    alarm_overrides = { target_5xx_rate = { enabled = false } }
  }

  expect_failures = [var.alarm_overrides]
}

run "rejects_logs_without_retention" {
  command = plan

  module {
    source = "./modules/observability"
  }

  variables {
    log_retention_days = 0
  }

  expect_failures = [var.log_retention_days]
}

# A total outage (every task gone) must page: the ALB then answers 503s itself, no target reports
# and the target alarms stay silent. No healthy host and fewer running tasks than desired treat
# missing data as breaching (silence is the outage); the ALB's own 5XX are counted.
run "a_total_outage_pages" {
  command = plan

  module {
    source = "./modules/observability"
  }

  assert {
    condition = (aws_cloudwatch_metric_alarm.this["no_healthy_hosts"].metric_name == "HealthyHostCount"
      && aws_cloudwatch_metric_alarm.this["no_healthy_hosts"].comparison_operator == "LessThanThreshold"
      && aws_cloudwatch_metric_alarm.this["no_healthy_hosts"].threshold == 1
    && aws_cloudwatch_metric_alarm.this["no_healthy_hosts"].treat_missing_data == "breaching")
    error_message = "HealthyHostCount < 1 must alarm, and missing data (no targets) must breach."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["alb_5xx"].metric_name == "HTTPCode_ELB_5XX_Count" && !contains(keys(aws_cloudwatch_metric_alarm.this["alb_5xx"].dimensions), "TargetGroup")
    error_message = "The load balancer's own 5XX (HTTPCode_ELB_5XX_Count, per load balancer) must alarm."
  }

  assert {
    condition = (aws_cloudwatch_metric_alarm.this["running_below_desired"].treat_missing_data == "breaching"
      && contains([for q in aws_cloudwatch_metric_alarm.this["running_below_desired"].metric_query : q.expression], "desired - running")
    && toset(flatten([for q in aws_cloudwatch_metric_alarm.this["running_below_desired"].metric_query : [for m in q.metric : m.metric_name]])) == toset(["DesiredTaskCount", "RunningTaskCount"]))
    error_message = "Running < desired tasks must alarm, and missing data must breach."
  }

  assert {
    condition     = alltrue([for k in ["ecs_cpu_high", "target_5xx_rate", "target_p99_latency"] : aws_cloudwatch_metric_alarm.this[k].treat_missing_data == "notBreaching"])
    error_message = "Load alarms must stay quiet when there is no traffic."
  }
}
