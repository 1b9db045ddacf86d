variable "name" {
  description = "Name of the ECS cluster (also prefixes the ASG, launch template and instance role)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,27}$", var.name))
    error_message = "name must be 2-28 characters of lowercase letters, digits and dashes, starting with a letter."
  }
}

variable "private_subnet_ids" {
  description = "Private subnets the Auto Scaling Group spreads the container instances over."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) >= 2
    error_message = "private_subnet_ids must list at least two subnets (two zones)."
  }
}

variable "security_group_ids" {
  description = "Security groups of the container instances (no ingress; HTTPS to AWS endpoints)."
  type        = list(string)
}

variable "instance_type" {
  description = "EC2 instance type of the container instances."
  type        = string
  default     = "t3.small"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*\\.[a-z0-9]+$", var.instance_type))
    error_message = "instance_type must look like an EC2 instance type (e.g. t3.small)."
  }
}

variable "ami_id" {
  description = "AMI of the container instances; null reads the current ECS-optimized AMI from the public SSM parameter ami_ssm_parameter."
  type        = string
  default     = null
}

variable "ami_ssm_parameter" {
  description = "Public SSM parameter naming the recommended ECS-optimized AMI."
  type        = string
  default     = "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"
}

variable "min_size" {
  description = "Minimum number of container instances."
  type        = number
  default     = 1

  validation {
    condition     = var.min_size >= 0
    error_message = "min_size must be 0 or more."
  }
}

variable "max_size" {
  description = "Maximum number of container instances (managed scaling grows the group up to this)."
  type        = number
  default     = 4

  validation {
    condition     = var.max_size >= 1
    error_message = "max_size must be at least 1."
  }
}

variable "instance_metadata" {
  description = "Instance metadata service settings. http_tokens must stay \"required\" (IMDSv2 only); a hop limit of 1 keeps containers from reaching the instance's credentials."
  type = object({
    http_tokens                 = optional(string, "required")
    http_put_response_hop_limit = optional(number, 1)
  })
  default = {}

  validation {
    condition     = var.instance_metadata.http_tokens == "required"
    error_message = "instance_metadata.http_tokens must be \"required\": IMDSv1 is not allowed."
  }
}

variable "root_volume" {
  description = "Root EBS volume of the container instances. encrypted must stay true."
  type = object({
    size_gb     = optional(number, 30)
    type        = optional(string, "gp3")
    encrypted   = optional(bool, true)
    kms_key_arn = optional(string)
  })
  default = {}

  validation {
    condition     = var.root_volume.encrypted && var.root_volume.size_gb >= 30
    error_message = "root_volume must be encrypted and at least 30 GB (the ECS-optimized AMI's snapshot size)."
  }
}

variable "container_insights" {
  description = "Container Insights level of the cluster: enabled or enhanced."
  type        = string
  default     = "enabled"

  validation {
    condition     = contains(["enabled", "enhanced"], var.container_insights)
    error_message = "container_insights must be \"enabled\" or \"enhanced\"."
  }
}

variable "managed_scaling_target_capacity" {
  description = "Target utilisation (percent) of the capacity provider's managed scaling; below 100 keeps spare room for a rolling deploy."
  type        = number
  default     = 100

  validation {
    condition     = var.managed_scaling_target_capacity >= 1 && var.managed_scaling_target_capacity <= 100
    error_message = "managed_scaling_target_capacity must be 1-100."
  }
}

variable "ecr_repository_arns" {
  description = "Repositories the instances' ECS agent may pull from."
  type        = list(string)

  validation {
    condition     = alltrue([for a in var.ecr_repository_arns : !strcontains(a, "*")])
    error_message = "ecr_repository_arns must be exact repository ARNs, without wildcards."
  }
}

variable "log_group_arns" {
  description = "Log groups the instances' logging driver may write to."
  type        = list(string)

  validation {
    condition     = alltrue([for a in var.log_group_arns : !strcontains(a, "*")])
    error_message = "log_group_arns must be exact log group ARNs, without wildcards."
  }
}

variable "force_delete" {
  description = "Delete the Auto Scaling Group without waiting for its instances to terminate (test environments; moto never terminates them)."
  type        = bool
  default     = false
}

variable "wait_for_capacity_timeout" {
  description = "How long Terraform waits for the group's instances to be InService; \"0\" skips the wait."
  type        = string
  default     = "10m"
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
