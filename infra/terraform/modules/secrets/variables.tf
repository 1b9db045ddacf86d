variable "name_prefix" {
  description = "Path prefix of every secret and parameter, e.g. slipway/production (secrets become slipway/production/api-key)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*(/[a-z0-9-]+)*$", var.name_prefix))
    error_message = "name_prefix must be lowercase path segments separated by / (e.g. slipway/production)."
  }
}

variable "secrets" {
  description = "Secrets Manager secrets, keyed by short name, with the environment variable the task sees them as. Created without a value: set it with `slipway secrets set`."
  type = map(object({
    description = string
    env_name    = string
  }))
  default = {
    api-key = { description = "API key of the slipway service", env_name = "API_KEY" }
  }

  validation {
    condition     = alltrue([for k, v in var.secrets : can(regex("^[a-z0-9-]+$", k)) && can(regex("^[A-Z][A-Z0-9_]*$", v.env_name))])
    error_message = "secrets: keys must be lowercase-dashed names and env_name an UPPER_SNAKE environment variable name."
  }
}

variable "parameters" {
  description = "SSM SecureString parameters, keyed by short name, with the environment variable the task sees them as. Created with a placeholder that is never stored in state: set the value with `slipway secrets set`."
  type = map(object({
    description = string
    env_name    = string
  }))
  default = {
    database-password = { description = "PostgreSQL password of the slipway service", env_name = "DATABASE_PASSWORD" }
  }

  validation {
    condition     = alltrue([for k, v in var.parameters : can(regex("^[a-z0-9-]+$", k)) && can(regex("^[A-Z][A-Z0-9_]*$", v.env_name))])
    error_message = "parameters: keys must be lowercase-dashed names and env_name an UPPER_SNAKE environment variable name."
  }
}

variable "replica_regions" {
  description = "Regions each secret is replicated to, with the customer-managed key that encrypts the replica there (KMS keys are regional; null uses the AWS-managed key)."
  type = list(object({
    region      = string
    kms_key_arn = optional(string)
  }))
  default = []
}

variable "recovery_window_days" {
  description = "Days a deleted secret can be restored; 0 deletes at once (test environments only)."
  type        = number
  default     = 30

  validation {
    condition     = var.recovery_window_days == 0 || (var.recovery_window_days >= 7 && var.recovery_window_days <= 30)
    error_message = "recovery_window_days must be 0 or 7-30."
  }
}

variable "kms_deletion_window_days" {
  description = "Days a scheduled KMS key deletion can still be cancelled."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_deletion_window_days >= 7 && var.kms_deletion_window_days <= 30
    error_message = "kms_deletion_window_days must be 7-30."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
