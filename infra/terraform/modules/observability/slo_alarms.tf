# SLO burn-rate alarms on the service's own request metrics (EMF lines, namespace slipway,
# written by the service when METRICS_EMF is on; see docs/service.md). The SLO: at most
# (100 - slo_availability_percent) % of requests answered 5xx, over 30 days. The error budget
# burns `burn` times too fast when the 5xx ratio exceeds burn × budget. Two pairs, as the
# multi-window method recommends: a fast burn (14.4× over 1 h and 5 min: 2 % of a month's
# budget in an hour) pages quickly, a slow burn (6× over 6 h and 30 min: 5 % in 6 hours)
# catches a steady leak. In each pair the long window says the burn is significant and the
# short one that it is still going on, so the alarm clears soon after a fix.
# Kept apart from main.tf's infrastructure alarms: these watch what users get.

variable "slo_availability_percent" {
  description = "Availability objective of the service, in percent of requests not answered 5xx (e.g. 99.9)."
  type        = number
  default     = 99.9

  validation {
    condition     = var.slo_availability_percent > 90 && var.slo_availability_percent < 100
    error_message = "slo_availability_percent must be between 90 and 100 (exclusive), e.g. 99.9."
  }
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the service's EMF metrics (the service writes slipway)."
  type        = string
  default     = "slipway"
}

variable "composite_alarms" {
  description = "Join each burn-rate pair in a composite alarm that notifies (moto has no composite alarms: envs/local turns this off, and the pair's alarms then notify themselves)."
  type        = bool
  default     = true
}

locals {
  error_budget = (100 - var.slo_availability_percent) / 100

  burn_rate_windows = {
    fast_long  = { pair = "fast", burn = 14.4, period = 3600 }
    fast_short = { pair = "fast", burn = 14.4, period = 300 }
    slow_long  = { pair = "slow", burn = 6, period = 21600 }
    slow_short = { pair = "slow", burn = 6, period = 1800 }
  }
  burn_rate_pairs = {
    fast = { long = "fast_long", short = "fast_short", description = "Fast burn: 5xx ratio above 14.4x the error budget over 1 h and 5 min" }
    slow = { long = "slow_long", short = "slow_short", description = "Slow burn: 5xx ratio above 6x the error budget over 6 h and 30 min" }
  }
  # The EMF dimension sets the service publishes Requests under (telemetry/emf.hpp).
  slo_requests_dimensions = { Service = var.service_name }
  slo_errors_dimensions   = { Service = var.service_name, StatusClass = "5xx" }
}

resource "aws_cloudwatch_metric_alarm" "slo_burn_rate" {
  for_each = local.burn_rate_windows

  alarm_name          = "${var.name}-slo-burn-${replace(each.key, "_", "-")}"
  alarm_description   = "5xx ratio above ${each.value.burn}x the error budget of a ${var.slo_availability_percent} % SLO over ${each.value.period / 60} min (half of the ${each.value.pair} burn-rate pair)"
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.burn * local.error_budget
  evaluation_periods  = 1
  datapoints_to_alarm = 1
  treat_missing_data  = "notBreaching" # no requests: no burn
  # With composite alarms the pair notifies once, through the composite.
  alarm_actions = var.composite_alarms ? [] : [aws_sns_topic.alarms.arn]
  ok_actions    = var.composite_alarms ? [] : [aws_sns_topic.alarms.arn]

  metric_query {
    id = "errors"
    metric {
      namespace   = var.metrics_namespace
      metric_name = "Requests"
      dimensions  = local.slo_errors_dimensions
      stat        = "Sum"
      period      = each.value.period
    }
  }

  metric_query {
    id = "requests"
    metric {
      namespace   = var.metrics_namespace
      metric_name = "Requests"
      dimensions  = local.slo_requests_dimensions
      stat        = "Sum"
      period      = each.value.period
    }
  }

  metric_query {
    id          = "ratio"
    expression  = "IF(requests > 0, FILL(errors, 0) / requests, 0)"
    label       = "5xx ratio"
    return_data = true
  }

  tags = var.tags
}

resource "aws_cloudwatch_composite_alarm" "slo_burn_rate" {
  for_each = var.composite_alarms ? local.burn_rate_pairs : {}

  alarm_name        = "${var.name}-slo-burn-${each.key}"
  alarm_description = each.value.description
  alarm_rule        = "ALARM(\"${aws_cloudwatch_metric_alarm.slo_burn_rate[each.value.long].alarm_name}\") AND ALARM(\"${aws_cloudwatch_metric_alarm.slo_burn_rate[each.value.short].alarm_name}\")"
  alarm_actions     = [aws_sns_topic.alarms.arn]
  ok_actions        = [aws_sns_topic.alarms.arn]
  tags              = var.tags
}

output "slo_alarm_names" {
  description = "The alarms that say the SLO's error budget burns too fast (composites when enabled, else the window alarms)."
  value       = var.composite_alarms ? [for k in sort(keys(local.burn_rate_pairs)) : aws_cloudwatch_composite_alarm.slo_burn_rate[k].alarm_name] : [for k in sort(keys(local.burn_rate_windows)) : aws_cloudwatch_metric_alarm.slo_burn_rate[k].alarm_name]
}
