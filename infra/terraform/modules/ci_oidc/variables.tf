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

variable "github_environment" {
  description = "GitHub environment whose jobs may assume the role (the deploy and rollback workflows' `environment:`)."
  type        = string
  default     = "production"

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,255}$", var.github_environment))
    error_message = "github_environment must be one environment name, without wildcards."
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

variable "ecr_replica_repository_arns" {
  description = "Replicas of the repository in other regions (the DR region): read-only."
  type        = list(string)
  default     = []
}

variable "cluster_arns" {
  description = "Clusters of the services (scope task listing), one per region."
  type        = list(string)
}

variable "service_arns" {
  description = "Services the role may update and describe (primary, and DR if any)."
  type        = list(string)

  validation {
    condition     = length(var.service_arns) > 0 && alltrue([for a in var.service_arns : !strcontains(a, "*")])
    error_message = "service_arns must list exact ECS service ARNs, without wildcards."
  }
}

variable "task_family_arns" {
  description = "Task definition families the role registers and tags revisions in, as arn:...:task-definition/FAMILY (no revision)."
  type        = list(string)

  validation {
    condition     = alltrue([for a in var.task_family_arns : can(regex("^arn:[^:*]+:ecs:[^:*]+:[0-9]{12}:task-definition/[A-Za-z0-9_-]+$", a))])
    error_message = "task_family_arns must be exact family ARNs (arn:aws:ecs:REGION:ACCOUNT:task-definition/FAMILY), without a revision or wildcards."
  }
}

variable "pass_role_arns" {
  description = "Roles the deploy may pass to ECS in a task definition: the execution and task roles."
  type        = list(string)

  validation {
    condition     = alltrue([for a in var.pass_role_arns : !strcontains(a, "*")])
    error_message = "pass_role_arns must be exact role ARNs, without wildcards."
  }
}

variable "load_balancer_role_arns" {
  description = "Roles the deploy may name in UpdateService's loadBalancers[].advancedConfiguration.roleArn (ECS assumes them to shift traffic under BLUE_GREEN, LINEAR and CANARY): the ecs_service module's load_balancer_infrastructure_role_arn."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.load_balancer_role_arns : !strcontains(a, "*")])
    error_message = "load_balancer_role_arns must be exact role ARNs, without wildcards."
  }
}

variable "alarm_arns" {
  description = "Alarms the deploy watches during its bake time."
  type        = list(string)
  default     = []
}

variable "execution_role_arns" {
  description = "Execution roles whose policies `slipway ecs verify` reads (may they fetch every secret?)."
  type        = list(string)
  default     = []
}

variable "log_group_arns" {
  description = "Service log groups the deploy may tail (slipway logs), one per region."
  type        = list(string)
}

variable "secret_arns" {
  description = "Secrets of the task definition (with their replicas): DescribeSecret for --pin-secret-versions."
  type        = list(string)
  default     = []
}

variable "secret_parameter_arns" {
  description = "SSM parameters of the task definition's secrets: ssm:GetParameters (without decryption) for the versions `slipway status` and `refresh` compare."
  type        = list(string)
  default     = []
}

variable "release_parameter_path_arns" {
  description = "SSM paths of the release parameters (ecs_service's release_parameters_path_arn), one per region."
  type        = list(string)
  default     = []
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
