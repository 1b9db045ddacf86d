data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  region    = data.aws_region.current.name
  partition = data.aws_partition.current.partition

  service_log_group = "/ecs/${var.name}/service"
  # EventBridge can only target log groups under /aws/events/.
  events_log_group = "/aws/events/${var.name}/ecs-tasks"

  required_signals = ["ecs_cpu_high", "ecs_memory_high", "alb_unhealthy_hosts", "target_5xx_rate", "target_p99_latency", "asg_status_check_failed", "no_healthy_hosts", "alb_5xx", "running_below_desired"]

  ecs_dimensions = { ClusterName = var.cluster_name, ServiceName = var.service_name }
  tg_dimensions  = { LoadBalancer = var.load_balancer_arn_suffix, TargetGroup = var.target_group_arn_suffix }

  # Defaults per signal; single-metric alarms use metric/namespace/statistic, the 5XX rate and
  # the task shortfall use metric math (math below). `missing` is what no data means: for the
  # signals of a total outage (no healthy host, fewer tasks than desired) silence is the outage
  # itself (no targets report, no tasks report), so it breaches; for the rest it is a quiet night.
  alarm_defaults = {
    ecs_cpu_high            = { description = "Service CPU above threshold (percent of reservation)", namespace = "AWS/ECS", metric = "CPUUtilization", statistic = "Average", extended_statistic = null, dimensions = local.ecs_dimensions, threshold = 80, evaluation_periods = 3, period = 60, comparison = "GreaterThanThreshold", missing = "notBreaching" }
    ecs_memory_high         = { description = "Service memory above threshold (percent of reservation)", namespace = "AWS/ECS", metric = "MemoryUtilization", statistic = "Average", extended_statistic = null, dimensions = local.ecs_dimensions, threshold = 85, evaluation_periods = 3, period = 60, comparison = "GreaterThanThreshold", missing = "notBreaching" }
    alb_unhealthy_hosts     = { description = "At least one target failing the /healthz check", namespace = "AWS/ApplicationELB", metric = "UnHealthyHostCount", statistic = "Maximum", extended_statistic = null, dimensions = local.tg_dimensions, threshold = 0, evaluation_periods = 2, period = 60, comparison = "GreaterThanThreshold", missing = "notBreaching" }
    target_5xx_rate         = { description = "Target 5XX responses above threshold (percent of requests)", namespace = null, metric = null, statistic = null, extended_statistic = null, dimensions = null, threshold = 5, evaluation_periods = 3, period = 60, comparison = "GreaterThanThreshold", missing = "notBreaching" }
    target_p99_latency      = { description = "Target response time p99 above threshold (seconds)", namespace = "AWS/ApplicationELB", metric = "TargetResponseTime", statistic = null, extended_statistic = "p99", dimensions = local.tg_dimensions, threshold = 1, evaluation_periods = 3, period = 60, comparison = "GreaterThanThreshold", missing = "notBreaching" }
    asg_status_check_failed = { description = "A container instance failing EC2 status checks", namespace = "AWS/EC2", metric = "StatusCheckFailed", statistic = "Maximum", extended_statistic = null, dimensions = { AutoScalingGroupName = var.autoscaling_group_name }, threshold = 0, evaluation_periods = 2, period = 60, comparison = "GreaterThanThreshold", missing = "notBreaching" }
    # Total outage: every task gone. The target alarms above see no targets and stay silent
    # while the ALB answers 503 itself; these three do not.
    no_healthy_hosts      = { description = "No healthy target behind the load balancer (total outage)", namespace = "AWS/ApplicationELB", metric = "HealthyHostCount", statistic = "Minimum", extended_statistic = null, dimensions = local.tg_dimensions, threshold = 1, evaluation_periods = 2, period = 60, comparison = "LessThanThreshold", missing = "breaching" }
    alb_5xx               = { description = "5XX answered by the load balancer itself (no or failing targets)", namespace = "AWS/ApplicationELB", metric = "HTTPCode_ELB_5XX_Count", statistic = "Sum", extended_statistic = null, dimensions = { LoadBalancer = var.load_balancer_arn_suffix }, threshold = 5, evaluation_periods = 2, period = 60, comparison = "GreaterThanThreshold", missing = "notBreaching" }
    running_below_desired = { description = "Fewer running tasks than desired (Container Insights)", namespace = null, metric = null, statistic = null, extended_statistic = null, dimensions = null, threshold = 0, evaluation_periods = 5, period = 60, comparison = "GreaterThanThreshold", missing = "breaching" }
  }

  # Metric math of the alarms without a single metric: id => metric, and the expression.
  alarm_math = {
    target_5xx_rate = {
      metrics    = { errors = { namespace = "AWS/ApplicationELB", name = "HTTPCode_Target_5XX_Count", stat = "Sum", dimensions = local.tg_dimensions }, requests = { namespace = "AWS/ApplicationELB", name = "RequestCount", stat = "Sum", dimensions = local.tg_dimensions } }
      expression = "100 * errors / MAX([requests, 1])"
      label      = "Target 5XX percent"
    }
    running_below_desired = {
      metrics    = { desired = { namespace = "ECS/ContainerInsights", name = "DesiredTaskCount", stat = "Maximum", dimensions = local.ecs_dimensions }, running = { namespace = "ECS/ContainerInsights", name = "RunningTaskCount", stat = "Minimum", dimensions = local.ecs_dimensions } }
      expression = "desired - running"
      label      = "Tasks missing"
    }
  }

  alarms = { for k, d in local.alarm_defaults : k => merge(d, {
    threshold          = coalesce(try(var.alarm_overrides[k].threshold, null), d.threshold)
    evaluation_periods = coalesce(try(var.alarm_overrides[k].evaluation_periods, null), d.evaluation_periods)
  }) }
}

# One key for the log groups and the alarm topic: CloudWatch Logs, and CloudWatch alarms
# publishing to the encrypted topic, must be allowed in the key policy itself.
resource "aws_kms_key" "this" {
  description             = "slipway logs and alarms: ${var.name}"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_deletion_window_days
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministersThroughIam"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudWatchLogsOfThisAccount"
        Effect    = "Allow"
        Principal = { Service = "logs.${local.region}.amazonaws.com" }
        Action    = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = { ArnLike = { "kms:EncryptionContext:aws:logs:arn" = "arn:${local.partition}:logs:${local.region}:${local.account}:log-group:*" } }
      },
      {
        Sid       = "AlarmsPublishToEncryptedTopic"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
        Resource  = "*"
        Condition = { StringEquals = { "aws:SourceAccount" = local.account } }
      },
    ]
  })
  tags = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}-observability"
  target_key_id = aws_kms_key.this.key_id
}

resource "aws_cloudwatch_log_group" "service" {
  name              = local.service_log_group
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
  tags              = var.tags
}

resource "aws_cloudwatch_log_group" "events" {
  name              = local.events_log_group
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
  tags              = var.tags
}

resource "aws_sns_topic" "alarms" {
  name              = "${var.name}-alarms"
  kms_master_key_id = aws_kms_key.this.arn
  tags              = var.tags
}

resource "aws_sns_topic_policy" "alarms" {
  arn = aws_sns_topic.alarms.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "CloudWatchAlarmsOfThisAccount"
      Effect    = "Allow"
      Principal = { Service = "cloudwatch.amazonaws.com" }
      Action    = "sns:Publish"
      Resource  = aws_sns_topic.alarms.arn
      Condition = { StringEquals = { "aws:SourceAccount" = local.account } }
    }]
  })
}

resource "aws_sns_topic_subscription" "email" {
  for_each  = toset(var.alarm_email_addresses)
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = each.value
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${var.name}-${replace(each.key, "_", "-")}"
  alarm_description   = each.value.description
  comparison_operator = each.value.comparison
  threshold           = each.value.threshold
  evaluation_periods  = each.value.evaluation_periods
  datapoints_to_alarm = each.value.evaluation_periods
  treat_missing_data  = each.value.missing
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]

  namespace          = each.value.namespace
  metric_name        = each.value.metric
  statistic          = each.value.statistic
  extended_statistic = each.value.extended_statistic
  dimensions         = each.value.dimensions
  period             = each.value.metric == null ? null : each.value.period

  dynamic "metric_query" {
    for_each = try(local.alarm_math[each.key].metrics, {})
    content {
      id = metric_query.key
      metric {
        namespace   = metric_query.value.namespace
        metric_name = metric_query.value.name
        dimensions  = metric_query.value.dimensions
        stat        = metric_query.value.stat
        period      = each.value.period
      }
    }
  }

  dynamic "metric_query" {
    for_each = contains(keys(local.alarm_math), each.key) ? [local.alarm_math[each.key]] : []
    content {
      id          = "result"
      expression  = metric_query.value.expression
      label       = metric_query.value.label
      return_data = true
    }
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = length(setsubtract(local.required_signals, keys(local.alarms))) == 0
      error_message = "Every required signal needs an alarm: missing ${join(", ", setsubtract(local.required_signals, keys(local.alarms)))}."
    }
  }
}

# ECS task state changes (why did a task stop?) kept in Logs, next to the service's own logs.
resource "aws_cloudwatch_event_rule" "ecs_task_state" {
  name        = "${var.name}-ecs-task-state"
  description = "ECS task state changes of ${var.cluster_name}"
  event_pattern = jsonencode({
    source        = ["aws.ecs"]
    "detail-type" = ["ECS Task State Change"]
    detail        = { clusterArn = [var.cluster_arn] }
  })
  tags = var.tags
}

resource "aws_cloudwatch_event_target" "ecs_task_state" {
  rule      = aws_cloudwatch_event_rule.ecs_task_state.name
  target_id = "logs"
  arn       = aws_cloudwatch_log_group.events.arn
}

resource "aws_cloudwatch_log_resource_policy" "events" {
  policy_name = "${var.name}-events-to-logs"
  policy_document = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "EventBridgeWritesTaskEvents"
      Effect    = "Allow"
      Principal = { Service = ["events.amazonaws.com", "delivery.logs.amazonaws.com"] }
      Action    = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource  = "${aws_cloudwatch_log_group.events.arn}:*"
    }]
  })
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name
  dashboard_body = jsonencode({
    widgets = [
      {
        type = "metric", x = 0, y = 0, width = 12, height = 6
        properties = {
          title = "Service CPU / memory (%)", region = local.region, view = "timeSeries", stat = "Average", period = 60
          metrics = [
            ["AWS/ECS", "CPUUtilization", "ClusterName", var.cluster_name, "ServiceName", var.service_name],
            [".", "MemoryUtilization", ".", ".", ".", "."],
          ]
        }
      },
      {
        type = "metric", x = 12, y = 0, width = 12, height = 6
        properties = {
          title = "Requests and target 5XX", region = local.region, view = "timeSeries", stat = "Sum", period = 60
          metrics = [
            ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", var.load_balancer_arn_suffix, "TargetGroup", var.target_group_arn_suffix],
            [".", "HTTPCode_Target_5XX_Count", ".", ".", ".", "."],
          ]
        }
      },
      {
        type = "metric", x = 0, y = 6, width = 12, height = 6
        properties = {
          title = "Target response time p50 / p99 (s)", region = local.region, view = "timeSeries", period = 60
          metrics = [
            ["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", var.load_balancer_arn_suffix, "TargetGroup", var.target_group_arn_suffix, { stat = "p50" }],
            ["...", { stat = "p99" }],
          ]
        }
      },
      {
        type = "metric", x = 12, y = 6, width = 12, height = 6
        properties = {
          title = "Healthy / unhealthy targets", region = local.region, view = "timeSeries", stat = "Maximum", period = 60
          metrics = [
            ["AWS/ApplicationELB", "HealthyHostCount", "LoadBalancer", var.load_balancer_arn_suffix, "TargetGroup", var.target_group_arn_suffix],
            [".", "UnHealthyHostCount", ".", ".", ".", "."],
          ]
        }
      },
      {
        type = "alarm", x = 0, y = 12, width = 24, height = 4
        properties = {
          title  = "Alarms"
          alarms = [for a in aws_cloudwatch_metric_alarm.this : a.arn]
        }
      },
    ]
  })
}
