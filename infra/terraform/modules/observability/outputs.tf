output "log_group_name" {
  description = "Log group of the service's containers (awslogs driver)."
  value       = aws_cloudwatch_log_group.service.name
}

output "log_group_arn" {
  description = "ARN of the service's log group (without the trailing :*)."
  value       = aws_cloudwatch_log_group.service.arn
}

output "events_log_group_name" {
  description = "Log group receiving ECS task state change events."
  value       = aws_cloudwatch_log_group.events.name
}

output "alarm_names" {
  description = "Alarm name of each signal."
  value       = { for k, a in aws_cloudwatch_metric_alarm.this : k => a.alarm_name }
}

output "alarm_arns" {
  description = "Alarm ARN of each signal."
  value       = { for k, a in aws_cloudwatch_metric_alarm.this : k => a.arn }
}

output "sns_topic_arn" {
  description = "Topic every alarm notifies."
  value       = aws_sns_topic.alarms.arn
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "kms_key_arn" {
  description = "Key encrypting the log groups and the alarm topic."
  value       = aws_kms_key.this.arn
}
