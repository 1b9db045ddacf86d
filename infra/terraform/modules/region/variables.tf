variable "name" {
  description = "Name prefix of the region's stack (e.g. slipway-production, slipway-production-dr): VPC, ALB, cluster, service, alarms."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,27}$", var.name))
    error_message = "name must be 2-28 characters of lowercase letters, digits and dashes, starting with a letter."
  }
}

variable "availability_zones" {
  description = "Zones of this region (two or more)."
  type        = list(string)
}

variable "vpc_cidr" {
  description = "CIDR of this region's VPC; distinct per region so the two can be peered later."
  type        = string
  default     = "10.40.0.0/16"
}

variable "certificate_arn" {
  description = "ACM certificate of this region's ALB (certificates are regional)."
  type        = string
}

variable "app_port" {
  description = "Container port of the service (PORT)."
  type        = number
  default     = 8080
}

variable "image" {
  description = "First image of the service: this region's repository (or ECR replica), tagged with the commit."
  type        = string
}

variable "release" {
  description = "Commit SHA of that image."
  type        = string
}

variable "ecr_repository_arn" {
  description = "ARN of the repository the instances pull from in this region (the replica in a DR region)."
  type        = string
}

variable "secrets_name_prefix" {
  description = "Path prefix of the secrets and parameters (e.g. slipway/production); the same in every region."
  type        = string
}

variable "secrets" {
  description = "Secrets Manager secrets created in this region (see the secrets module); a DR region receives replicas instead (replicated_secrets)."
  type = map(object({
    description = string
    env_name    = string
  }))
  default = {}
}

variable "secret_replica_regions" {
  description = "Regions the secrets created here are replicated to, with the key of each replica (see the secrets module)."
  type = list(object({
    region      = string
    kms_key_arn = optional(string)
  }))
  default = []
}

variable "replicated_secrets" {
  description = "Secrets that arrive here by replication from another region: ARN of the replica in this region and the environment variable the task sees it as, by short name."
  type = map(object({
    arn      = string
    env_name = string
  }))
  default = {}
}

variable "parameters" {
  description = "SSM SecureString parameters created in this region (SSM does not replicate: every region has its own)."
  type = map(object({
    description = string
    env_name    = string
  }))
  default = {}
}

variable "release_parameters_path" {
  description = "SSM path of the release parameters in this region (the same path in every region: each region has its own)."
  type        = string
  default     = null
}

variable "capacity" {
  description = "Size of this region's service: task size, counts, instances, NAT gateways, placement. The DR region runs reduced (one warm task, one NAT gateway)."
  type = object({
    cpu                = optional(number, 256)
    memory             = optional(number, 512)
    desired_count      = optional(number, 2)
    min_count          = optional(number, 2)
    max_count          = optional(number, 6)
    instance_type      = optional(string, "t3.small")
    min_instances      = optional(number, 2)
    max_instances      = optional(number, 6)
    single_nat_gateway = optional(bool, false)
    placement_strategy = optional(list(object({ type = string, field = string })), [{ type = "spread", field = "attribute:ecs.availability-zone" }, { type = "binpack", field = "memory" }])
  })
  default = {}

  validation {
    condition     = var.capacity.min_count <= var.capacity.max_count && var.capacity.min_instances <= var.capacity.max_instances
    error_message = "capacity: min_count must not exceed max_count, nor min_instances max_instances."
  }
}

variable "shutdown" {
  description = "The service's shutdown contract (see the ecs_service module)."
  type = object({
    delay_seconds   = optional(number, 5)
    timeout_seconds = optional(number, 30)
  })
  default = {}
}

variable "log_retention_days" {
  description = "Retention of this region's log groups."
  type        = number
  default     = 90
}

variable "alarm_email_addresses" {
  description = "Addresses notified by this region's alarm topic."
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

variable "compat" {
  description = "The platform's `compat` switches (see the platform module): what an AWS emulator cannot honour."
  type = object({
    use_capacity_provider_strategy    = bool
    placement_strategy                = bool
    health_check_grace_period_seconds = number
    enable_ecs_managed_tags           = bool
    enable_autoscaling                = bool
    ami_id                            = string
    force_delete                      = bool
    wait_for_capacity_timeout         = string
    deletion_protection               = bool
    secrets_recovery_window_days      = number
    kms_deletion_window_days          = number
    composite_alarms                  = bool
  })
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
