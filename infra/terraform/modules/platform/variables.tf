variable "environment" {
  description = "Environment name (production, staging, local); names are slipway-<environment>."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,15}$", var.environment))
    error_message = "environment must be 2-16 lowercase letters and digits, starting with a letter."
  }
}

variable "availability_zones" {
  description = "Zones of the primary region (two or more)."
  type        = list(string)
}

variable "vpc_cidr" {
  description = "CIDR of the primary VPC."
  type        = string
  default     = "10.40.0.0/16"
}

variable "app_port" {
  description = "Container port of the service (PORT)."
  type        = number
  default     = 8080
}

variable "release" {
  description = "Commit SHA of the first image (must be pushed to the repository before the first full apply). Later releases are deployed by slipway, not Terraform."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-f]{40}$", var.release))
    error_message = "release must be a full 40-character lowercase commit SHA."
  }
}

variable "certificate_arn" {
  description = "ACM certificate of the primary ALB's HTTPS listener."
  type        = string
}

variable "desired_count" {
  description = "Tasks of the primary service at creation (autoscaling owns the count afterwards)."
  type        = number
  default     = 2
}

variable "service" {
  description = "Task size and scaling of the primary service."
  type = object({
    cpu           = optional(number, 256)
    memory        = optional(number, 512)
    min_count     = optional(number, 2)
    max_count     = optional(number, 6)
    instance_type = optional(string, "t3.small")
    min_instances = optional(number, 2)
    max_instances = optional(number, 6)
  })
  default = {}
}

variable "shutdown" {
  description = "The service's shutdown contract: SHUTDOWN_DELAY and SHUTDOWN_TIMEOUT, in seconds. Sets the ALB's deregistration delay and the container's stopTimeout."
  type = object({
    delay_seconds   = optional(number, 5)
    timeout_seconds = optional(number, 30)
  })
  default = {}
}

variable "log_retention_days" {
  description = "Retention of every log group."
  type        = number
  default     = 90
}

variable "alarm_email_addresses" {
  description = "Addresses notified by the alarm topic."
  type        = list(string)
  default     = []
}

variable "alarm_overrides" {
  description = "Threshold changes per alarm signal (see the observability module)."
  type = map(object({
    threshold          = optional(number)
    evaluation_periods = optional(number)
    enabled            = optional(bool, true)
  }))
  default = {}
}

variable "github_repository" {
  description = "GitHub repository (OWNER/REPO) whose deploy environment may deploy."
  type        = string
}

variable "github_environment" {
  description = "GitHub environment of the deploy and rollback jobs; only its jobs may assume the deploy role."
  type        = string
  default     = "production"
}

variable "create_oidc_provider" {
  description = "Create the account's GitHub OIDC provider (false when another stack of the account owns it)."
  type        = bool
  default     = true
}

variable "oidc_provider_arn" {
  description = "Existing GitHub OIDC provider when create_oidc_provider is false."
  type        = string
  default     = null
}

variable "enable_dr" {
  description = "Build the disaster-recovery stack in the provider aws.dr's region."
  type        = bool
  default     = true
}

variable "dr" {
  description = "DR region settings: zones, VPC CIDR, certificate (issued in the DR region), warm task count."
  type = object({
    availability_zones = list(string)
    vpc_cidr           = optional(string, "10.41.0.0/16")
    certificate_arn    = string
    desired_count      = optional(number, 1)
    max_count          = optional(number, 4)
  })
  default = null
}

variable "compat" {
  description = <<-EOT
    Switches whose production defaults an AWS emulator (moto) cannot honour. Production leaves
    them alone; envs/local sets them and infra/terraform/README.md lists why:
    use_capacity_provider_strategy (else launch_type EC2), placement_strategy,
    health_check_grace_period_seconds, enable_ecs_managed_tags, enable_autoscaling, ami_id (else
    the public SSM parameter), force_delete (ASG and ECR), wait_for_capacity_timeout,
    deletion_protection (ALB), secrets_recovery_window_days, kms_deletion_window_days,
    secret_replica_customer_key (else the replica uses the AWS-managed key), composite_alarms
    (else the SLO burn-rate window alarms notify themselves).
  EOT
  type = object({
    use_capacity_provider_strategy    = optional(bool, true)
    placement_strategy                = optional(bool, true)
    health_check_grace_period_seconds = optional(number, 30)
    enable_ecs_managed_tags           = optional(bool, true)
    enable_autoscaling                = optional(bool, true)
    ami_id                            = optional(string)
    force_delete                      = optional(bool, false)
    wait_for_capacity_timeout         = optional(string, "10m")
    deletion_protection               = optional(bool, true)
    secrets_recovery_window_days      = optional(number, 30)
    kms_deletion_window_days          = optional(number, 30)
    secret_replica_customer_key       = optional(bool, true)
    composite_alarms                  = optional(bool, true)
  })
  default = {}
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "traffic_shifting" {
  description = "The alternate target group, listener rules and ECS role for BLUE_GREEN, LINEAR and CANARY (modules/alb's traffic_shifting: enabled, rule priorities, test_header)."
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
}
