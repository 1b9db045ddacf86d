variable "account_id" {
  description = "The AWS account production lives in; the providers refuse to touch any other."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be a 12-digit AWS account id."
  }
}

variable "region" {
  description = "Primary region."
  type        = string
  default     = "eu-west-1"
}

variable "availability_zones" {
  description = "Zones of the primary region."
  type        = list(string)
  default     = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
}

variable "dr_region" {
  description = "Disaster-recovery region."
  type        = string
  default     = "eu-central-1"
}

variable "dr_availability_zones" {
  description = "Zones of the DR region."
  type        = list(string)
  default     = ["eu-central-1a", "eu-central-1b"]
}

variable "hosted_zone_name" {
  description = "Public Route 53 zone the service's name lives in (e.g. example.com)."
  type        = string
}

variable "domain_name" {
  description = "Public name of the service (e.g. slipway.example.com); the certificates cover it."
  type        = string
}

variable "release" {
  description = "Commit SHA of the image already pushed to ECR for the first full apply (see docs/operations.md)."
  type        = string
}

variable "github_repository" {
  description = "GitHub repository (OWNER/REPO) whose main branch deploys."
  type        = string
}

variable "alarm_email_addresses" {
  description = "Addresses notified of alarms."
  type        = list(string)
  default     = []
}

variable "enable_dr" {
  description = "Run the warm standby in dr_region."
  type        = bool
  default     = true
}
