variable "name" {
  description = "Name of the deploy role (e.g. slipway-production-deploy)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.name))
    error_message = "name must be a valid IAM role name (1-64 characters)."
  }
}

variable "github_repository" {
  description = "GitHub repository (OWNER/REPO) whose workflows may assume the deploy role."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must be OWNER/REPO, without wildcards."
  }
}

variable "allowed_ref" {
  description = "The only git ref whose workflows may assume the role."
  type        = string
  default     = "refs/heads/main"

  validation {
    condition     = can(regex("^refs/heads/[A-Za-z0-9._/-]+$", var.allowed_ref))
    error_message = "allowed_ref must be one exact branch ref (refs/heads/NAME), without wildcards."
  }
}

variable "create_oidc_provider" {
  description = "Create the account's GitHub OIDC provider (one per account); false reuses oidc_provider_arn."
  type        = bool
  default     = true
}

variable "oidc_provider_arn" {
  description = "Existing GitHub OIDC provider, when create_oidc_provider is false."
  type        = string
  default     = null
}

variable "ecr_repository_arn" {
  description = "The one repository the role may push to."
  type        = string
}

variable "cluster_name" {
  description = "Cluster of the service (scopes task listing)."
  type        = string
}

variable "service_arns" {
  description = "Services the role may update and describe (primary, and DR if any)."
  type        = list(string)

  validation {
    condition     = length(var.service_arns) > 0 && alltrue([for a in var.service_arns : !strcontains(a, "*")])
    error_message = "service_arns must list exact ECS service ARNs, without wildcards."
  }
}

variable "task_family" {
  description = "Task definition family the role registers revisions in (tagging is scoped to it)."
  type        = string
}

variable "pass_role_arns" {
  description = "Roles the deploy may pass to ECS in a task definition: the execution and task roles."
  type        = list(string)

  validation {
    condition     = alltrue([for a in var.pass_role_arns : !strcontains(a, "*")])
    error_message = "pass_role_arns must be exact role ARNs, without wildcards."
  }
}

variable "alarm_arns" {
  description = "Alarms the deploy watches during its bake time."
  type        = list(string)
  default     = []
}

variable "log_group_arn" {
  description = "Service log group the deploy may tail (slipway logs)."
  type        = string
}

variable "extra_statements" {
  description = "Additional statements for the deploy role. Subject to the wildcard guardrail."
  type = list(object({
    sid       = string
    actions   = list(string)
    resources = list(string)
  }))
  default = []
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
