variable "name" {
  description = "Name prefix of the log groups, topic, alarms and dashboard (e.g. slipway-production)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,40}$", var.name))
    error_message = "name must be 2-41 characters of lowercase letters, digits and dashes, starting with a letter."
  }
}

variable "log_retention_days" {
  description = "Retention of every log group. Logs never live forever (cost, and personal data minimisation)."
  type        = number
  default     = 90

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of CloudWatch's retention values (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ... 3653); 0 (never expire) is not allowed."
  }
}

variable "cluster_name" {
  description = "ECS cluster of the service (alarm dimensions)."
  type        = string
}

variable "cluster_arn" {
  description = "ECS cluster ARN; the EventBridge rule captures task state changes of this cluster only."
  type        = string
}

variable "service_name" {
  description = "ECS service name (alarm dimensions). A plain string, so the service can depend on the alarms for its rollback without a cycle."
  type        = string
}

variable "load_balancer_arn_suffix" {
  description = "ARN suffix of the ALB (LoadBalancer dimension)."
  type        = string
}

variable "target_group_arn_suffix" {
  description = "ARN suffix of the target group (TargetGroup dimension)."
  type        = string
}

variable "autoscaling_group_name" {
  description = "Auto Scaling Group of the container instances (status check alarm)."
  type        = string
}

variable "alarm_overrides" {
  description = <<-EOT
    Per-signal changes to the default alarms: threshold, evaluation_periods. Signals: ecs_cpu_high,
    ecs_memory_high, alb_unhealthy_hosts, target_5xx_rate, target_p99_latency,
    asg_status_check_failed. Every signal must keep its alarm (enabled = false is rejected).
  EOT
  type = map(object({
    threshold          = optional(number)
    evaluation_periods = optional(number)
    enabled            = optional(bool, true)
  }))
  default = {}

  validation {
    condition     = alltrue([for k, v in var.alarm_overrides : contains(["ecs_cpu_high", "ecs_memory_high", "alb_unhealthy_hosts", "target_5xx_rate", "target_p99_latency", "asg_status_check_failed"], k)])
    error_message = "alarm_overrides: unknown signal; use ecs_cpu_high, ecs_memory_high, alb_unhealthy_hosts, target_5xx_rate, target_p99_latency or asg_status_check_failed."
  }

  validation {
    condition     = alltrue([for k, v in var.alarm_overrides : v.enabled])
    error_message = "alarm_overrides: an alarm cannot be disabled; every listed signal must keep one (tune its threshold instead)."
  }
}

variable "alarm_email_addresses" {
  description = "Addresses subscribed to the alarm topic (each must confirm by mail)."
  type        = list(string)
  default     = []
}

variable "kms_deletion_window_days" {
  description = "Days a scheduled deletion of the logs/alarms KMS key can still be cancelled."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
