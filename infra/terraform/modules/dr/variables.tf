variable "name" {
  description = "Name prefix of the DR stack (e.g. slipway-production-dr): VPC, ALB, cluster, service, alarms."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,27}$", var.name))
    error_message = "name must be 2-28 characters of lowercase letters, digits and dashes, starting with a letter."
  }
}

variable "secrets_name_prefix" {
  description = "Path prefix of the primary region's secrets and parameters (the DR parameters get the same names)."
  type        = string
}

variable "vpc_cidr" {
  description = "CIDR of the DR VPC; distinct from the primary's so the two can be peered later."
  type        = string
  default     = "10.41.0.0/16"
}

variable "availability_zones" {
  description = "Zones of the DR region."
  type        = list(string)
}

variable "certificate_arn" {
  description = "ACM certificate for the DR ALB, issued in the DR region."
  type        = string
}

variable "image" {
  description = "First image of the DR service: the ECR replica in this region, tagged with the commit."
  type        = string
}

variable "release" {
  description = "Commit SHA of that image."
  type        = string
}

variable "ecr_repository_arn" {
  description = "ARN of the replicated repository in the DR region (created by ECR replication)."
  type        = string
}

variable "replica_secret_arns" {
  description = "ARNs of the Secrets Manager replicas in the DR region, by short name."
  type        = map(string)
}

variable "secret_env_names" {
  description = "Environment variable of each replicated secret, by short name."
  type        = map(string)
}

variable "parameters" {
  description = "SSM parameters to create in the DR region (SSM does not replicate), same shape as the secrets module's."
  type = map(object({
    description = string
    env_name    = string
  }))
  default = {}
}

variable "app_port" {
  description = "Container port of the service."
  type        = number
  default     = 8080
}

variable "shutdown" {
  description = "The service's shutdown contract (see the ecs_service module)."
  type = object({
    delay_seconds   = optional(number, 5)
    timeout_seconds = optional(number, 30)
  })
  default = {}
}

variable "desired_count" {
  description = "Tasks kept warm in the DR region (reduced capacity; scale up on failover)."
  type        = number
  default     = 1
}

variable "max_count" {
  description = "Upper bound of the DR service's autoscaling."
  type        = number
  default     = 4
}

variable "log_retention_days" {
  description = "Retention of the DR log groups."
  type        = number
  default     = 90
}

variable "compat" {
  description = "Settings passed to the same switches of the primary stack (see the platform module's `compat`)."
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

variable "release_parameters_path" {
  description = "SSM path of the release parameters in this region (the same path as the primary's: each region has its own)."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
