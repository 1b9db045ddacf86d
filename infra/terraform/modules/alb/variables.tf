variable "name" {
  description = "Name of the load balancer and its target group (at most 28 characters: AWS caps both at 32)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,27}$", var.name))
    error_message = "name must be 2-28 characters of lowercase letters, digits and dashes, starting with a letter."
  }
}

variable "vpc_id" {
  description = "VPC of the target group."
  type        = string
}

variable "public_subnet_ids" {
  description = "Public subnets the ALB spans (at least two zones)."
  type        = list(string)

  validation {
    condition     = length(var.public_subnet_ids) >= 2
    error_message = "public_subnet_ids must list at least two subnets (an ALB spans two zones or more)."
  }
}

variable "security_group_id" {
  description = "Security group of the ALB (from the network module: 80/443 in, app port out to the tasks)."
  type        = string
}

variable "certificate_arn" {
  description = "ACM certificate of the HTTPS listener (issued and validated in the same region)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID)."
  }
}

variable "ssl_policy" {
  description = "TLS policy of the HTTPS listener."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"
}

variable "app_port" {
  description = "Port the targets (tasks) listen on: the container's PORT."
  type        = number
  default     = 8080
}

variable "health_check" {
  description = "Target health check. The path is the service's liveness endpoint; an unhealthy target leaves rotation after interval x unhealthy_threshold seconds."
  type = object({
    path                = optional(string, "/healthz")
    interval            = optional(number, 10)
    timeout             = optional(number, 5)
    healthy_threshold   = optional(number, 2)
    unhealthy_threshold = optional(number, 2)
    matcher             = optional(string, "200")
  })
  default = {}

  validation {
    condition     = startswith(var.health_check.path, "/") && var.health_check.timeout < var.health_check.interval
    error_message = "health_check.path must start with / and health_check.timeout must be shorter than health_check.interval."
  }
}

variable "deregistration_delay_seconds" {
  description = "How long a deregistered target keeps serving its in-flight requests: the service's SHUTDOWN_DELAY + SHUTDOWN_TIMEOUT, so ECS stops a task only after the ALB has drained it."
  type        = number
  default     = 35

  validation {
    condition     = var.deregistration_delay_seconds >= 5 && var.deregistration_delay_seconds <= 3600
    error_message = "deregistration_delay_seconds must be 5-3600 (it should equal the service's SHUTDOWN_DELAY + SHUTDOWN_TIMEOUT)."
  }
}

variable "idle_timeout_seconds" {
  description = "Idle connection timeout of the ALB; keep it below the service's keep-alive timeout."
  type        = number
  default     = 60
}

variable "enable_access_logs" {
  description = "Write ALB access logs to an S3 bucket owned by this module."
  type        = bool
  default     = true
}

variable "access_log_retention_days" {
  description = "Days access logs are kept in S3 before expiry."
  type        = number
  default     = 90

  validation {
    condition     = var.access_log_retention_days >= 1
    error_message = "access_log_retention_days must be at least 1."
  }
}

variable "enable_deletion_protection" {
  description = "Refuse to delete the ALB (and keep the access-log bucket's objects) until this is switched off."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "traffic_shifting" {
  description = <<-EOT
    The alternate target group and listener rules ECS's BLUE_GREEN, LINEAR and CANARY strategies
    shift traffic through. test_header (null: no test route) sends requests carrying that header
    to the new revision from TEST_TRAFFIC_SHIFT on. Rule priorities: lower numbers win; the
    production rule matches every path, so it goes last.
  EOT
  type = object({
    enabled                  = optional(bool, true)
    production_rule_priority = optional(number, 50000)
    test_rule_priority       = optional(number, 100)
    test_header = optional(object({
      name   = string
      values = list(string)
    }))
  })
  default = {}

  validation {
    condition = (
      var.traffic_shifting.test_rule_priority >= 1 && var.traffic_shifting.production_rule_priority <= 50000 &&
      var.traffic_shifting.test_rule_priority < var.traffic_shifting.production_rule_priority
    )
    error_message = "traffic_shifting priorities must be 1-50000 with test_rule_priority below production_rule_priority (the test rule must match first)."
  }
}
