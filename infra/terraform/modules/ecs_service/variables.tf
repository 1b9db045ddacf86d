variable "name" {
  description = "Name of the ECS service; also the task definition family."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,27}$", var.name))
    error_message = "name must be 2-28 characters of lowercase letters, digits and dashes, starting with a letter."
  }
}

variable "container_name" {
  description = "Name of the service's container in every revision; the load balancer and slipway's deploy/taskdef.json refer to it, so it must stay the same across revisions."
  type        = string
  default     = "app"

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,255}$", var.container_name))
    error_message = "container_name must be 1-255 letters, digits, dashes or underscores."
  }
}

variable "cluster_name" {
  description = "Name of the ECS cluster."
  type        = string
}

variable "cluster_arn" {
  description = "ARN of the ECS cluster."
  type        = string
}

variable "image" {
  description = "Image of the first task definition revision (REPOSITORY_URL:COMMIT_SHA). After the first apply the deploy tool owns the image: later changes here do not roll out."
  type        = string

  validation {
    condition     = can(regex("^[^:@\\s]+(:[A-Za-z0-9_.-]+)?(@sha256:[0-9a-f]{64})?$", var.image))
    error_message = "image must be an image reference such as ACCOUNT.dkr.ecr.REGION.amazonaws.com/slipway:<commit sha>."
  }
}

variable "release" {
  description = "Commit SHA of the first revision's image (SLIPWAY_RELEASE)."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-f]{40}$", var.release))
    error_message = "release must be a full 40-character lowercase commit SHA."
  }
}

variable "container_port" {
  description = "Port the container listens on (PORT env var and the target group's port)."
  type        = number
  default     = 8080

  validation {
    condition     = var.container_port >= 1024 && var.container_port <= 65535
    error_message = "container_port must be 1024-65535 (the container runs as a non-root user)."
  }
}

variable "container_user" {
  description = "UID:GID the container runs as. Never root."
  type        = string
  default     = "65534:65534"

  validation {
    condition     = can(regex("^[0-9]+(:[0-9]+)?$", var.container_user)) && split(":", var.container_user)[0] != "0"
    error_message = "container_user must be a numeric non-root UID[:GID] (e.g. 65534:65534)."
  }
}

variable "cpu" {
  description = "CPU units reserved for the task (1024 = one vCPU)."
  type        = number
  default     = 256
}

variable "memory" {
  description = "Memory (MiB) reserved for the task; the container is killed above it."
  type        = number
  default     = 512
}

variable "environment" {
  description = "Plain (non-secret) environment variables of the container, besides PORT, SLIPWAY_RELEASE and the shutdown settings."
  type        = map(string)
  default     = {}

  validation {
    condition     = length(setintersection(keys(var.environment), ["PORT", "SLIPWAY_RELEASE", "SHUTDOWN_DELAY", "SHUTDOWN_TIMEOUT"])) == 0
    error_message = "environment must not set PORT, SLIPWAY_RELEASE, SHUTDOWN_DELAY or SHUTDOWN_TIMEOUT: the module derives them."
  }
}

variable "container_secrets" {
  description = "The container's `secrets`: environment variable name and valueFrom (a Secrets Manager or SSM parameter ARN)."
  type = list(object({
    name      = string
    valueFrom = string
  }))
  default = []

  validation {
    condition     = alltrue([for s in var.container_secrets : can(regex("^arn:aws[a-z-]*:(secretsmanager|ssm):", s.valueFrom))])
    error_message = "container_secrets: valueFrom must be a full Secrets Manager or SSM parameter ARN (so the execution role can be scoped to it)."
  }
}

variable "secret_arns" {
  description = "Secrets Manager secrets the execution role may read: exactly the ones in container_secrets."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.secret_arns : can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[^*?]+$", a))])
    error_message = "secret_arns must be exact Secrets Manager secret ARNs (no wildcards)."
  }
}

variable "parameter_arns" {
  description = "SSM parameters the execution role may read."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.parameter_arns : can(regex("^arn:aws[a-z-]*:ssm:[a-z0-9-]+:[0-9]{12}:parameter/[^*?]+$", a))])
    error_message = "parameter_arns must be exact SSM parameter ARNs (no wildcards)."
  }
}

variable "kms_key_arns" {
  description = "Customer-managed keys encrypting those secrets and parameters; the execution role may decrypt with exactly these, through Secrets Manager and SSM only."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.kms_key_arns : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]+$", a))])
    error_message = "kms_key_arns must be exact KMS key ARNs (arn:aws:kms:REGION:ACCOUNT:key/ID), not aliases or wildcards."
  }
}

variable "ecr_repository_arn" {
  description = "Repository the execution role may pull the image from."
  type        = string
}

variable "log_group_name" {
  description = "Log group of the awslogs driver."
  type        = string
}

variable "log_group_arn" {
  description = "ARN of that log group."
  type        = string
}

variable "extra_execution_role_statements" {
  description = "Additional statements for the execution role (e.g. a private registry's credentials). Subject to the wildcard guardrail."
  type = list(object({
    sid       = string
    actions   = list(string)
    resources = list(string)
  }))
  default = []
}

variable "subnet_ids" {
  description = "Private subnets of the tasks' ENIs."
  type        = list(string)
}

variable "security_group_ids" {
  description = "Security groups of the tasks (ingress from the ALB only)."
  type        = list(string)
}

variable "target_group_arn" {
  description = "Target group the tasks register in."
  type        = string
}

variable "desired_count" {
  description = "Tasks at creation; afterwards Application Auto Scaling owns the count."
  type        = number
  default     = 2
}

variable "shutdown" {
  description = "The service's shutdown contract: after SIGTERM it reports 503 on /readyz for delay_seconds, then finishes in-flight requests within timeout_seconds. stopTimeout is their sum plus a margin."
  type = object({
    delay_seconds   = optional(number, 5)
    timeout_seconds = optional(number, 30)
  })
  default = {}

  validation {
    condition     = var.shutdown.delay_seconds >= 0 && var.shutdown.timeout_seconds >= 1 && var.shutdown.delay_seconds + var.shutdown.timeout_seconds + 5 <= 120
    error_message = "shutdown: delay_seconds + timeout_seconds + 5 must fit ECS's maximum stopTimeout of 120 seconds."
  }
}

variable "deployment" {
  description = "Rolling deployment settings. The circuit breaker must stay enabled with rollback."
  type = object({
    minimum_healthy_percent = optional(number, 100)
    maximum_percent         = optional(number, 200)
    circuit_breaker = optional(object({
      enable   = optional(bool, true)
      rollback = optional(bool, true)
    }), {})
    alarm_rollback = optional(bool, true)
  })
  default = {}

  validation {
    condition     = var.deployment.circuit_breaker.enable && var.deployment.circuit_breaker.rollback
    error_message = "deployment.circuit_breaker must have enable = true and rollback = true: a failing release must roll back by itself."
  }

  validation {
    condition     = var.deployment.minimum_healthy_percent >= 50 && var.deployment.maximum_percent > var.deployment.minimum_healthy_percent
    error_message = "deployment: minimum_healthy_percent must be at least 50 and maximum_percent above it (room for the new tasks)."
  }
}

variable "rollback_alarm_names" {
  description = "CloudWatch alarms that, when in ALARM during a deployment, make ECS roll it back."
  type        = list(string)
  default     = []
}

variable "health_check_grace_period_seconds" {
  description = "Seconds ECS ignores failing ALB health checks of a new task; null leaves it unset."
  type        = number
  default     = 30
}

variable "capacity_provider_strategy" {
  description = "Capacity providers of the service; empty uses launch_type EC2 directly (e.g. where the strategy cannot be stored)."
  type = list(object({
    capacity_provider = string
    base              = optional(number, 0)
    weight            = optional(number, 1)
  }))
  default = []
}

variable "placement_strategy" {
  description = "Task placement strategy: spread over zones, then binpack memory."
  type = list(object({
    type  = string
    field = string
  }))
  default = [
    { type = "spread", field = "attribute:ecs.availability-zone" },
    { type = "binpack", field = "memory" },
  ]
}

variable "enable_ecs_managed_tags" {
  description = "Let ECS tag the tasks with the cluster and service names."
  type        = bool
  default     = true
}

variable "autoscaling" {
  description = "Application Auto Scaling target tracking on CPU, memory and ALB requests per target. request_label is LB_ARN_SUFFIX/TG_ARN_SUFFIX."
  type = object({
    enabled             = optional(bool, true)
    min_capacity        = optional(number, 2)
    max_capacity        = optional(number, 6)
    cpu_target          = optional(number, 60)
    memory_target       = optional(number, 75)
    requests_per_target = optional(number, 500)
    request_label       = optional(string)
    scale_in_cooldown   = optional(number, 300)
    scale_out_cooldown  = optional(number, 60)
  })
  default = {}

  validation {
    condition     = var.autoscaling.min_capacity >= 1 && var.autoscaling.max_capacity >= var.autoscaling.min_capacity
    error_message = "autoscaling: min_capacity must be at least 1 and max_capacity at least min_capacity."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "release_parameters_path" {
  description = "SSM path (e.g. /slipway/production/release) under which the names and ARNs a release needs are published for CI; null publishes none."
  type        = string
  default     = null

  validation {
    condition     = var.release_parameters_path == null || can(regex("^(/[A-Za-z0-9_.-]+)+$", var.release_parameters_path))
    error_message = "release_parameters_path must be an absolute SSM path without a trailing slash, e.g. /slipway/production/release."
  }
}


variable "listener_arn" {
  description = "The load balancer listener forwarding to target_group_arn. The service is created after it: ECS refuses a target group no listener uses (on a first apply the HTTPS listener waits for the certificate's validation)."
  type        = string
  default     = null
}

variable "capacity_provider_association_id" {
  description = "ID of the cluster's capacity provider association (ecs_cluster output). Required with capacity_provider_strategy: the service is created after it, as ECS refuses a provider not yet associated with the cluster."
  type        = string
  default     = null
}

variable "traffic_shifting" {
  description = "Create the role ECS assumes to shift traffic between the alb module's two target groups under BLUE_GREEN, LINEAR and CANARY (output load_balancer_infrastructure_role_arn)."
  type        = bool
  default     = true
}

variable "extra_release_parameters" {
  description = "More $${VAR}s published under release_parameters_path for the service file: the alb module's alternate target group and listener rule ARNs (ALTERNATE_TARGET_GROUP_ARN, PRODUCTION_LISTENER_RULE_ARN, TEST_LISTENER_RULE_ARN)."
  type        = map(string)
  default     = {}
}
