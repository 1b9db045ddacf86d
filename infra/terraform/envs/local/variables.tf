variable "aws_endpoint" {
  description = "URL of the local AWS emulator (moto_server); every service endpoint points there."
  type        = string
  default     = "http://127.0.0.1:4566"

  validation {
    condition     = can(regex("^http://(127\\.[0-9]+\\.[0-9]+\\.[0-9]+|localhost)(:[0-9]+)?$", var.aws_endpoint))
    error_message = "aws_endpoint must be a loopback http URL (e.g. http://127.0.0.1:4566): the local env never talks to real AWS."
  }
}

variable "region" {
  description = "Primary region emulated by moto."
  type        = string
  default     = "us-east-1"
}

variable "dr_region" {
  description = "DR region emulated by moto."
  type        = string
  default     = "us-west-2"
}

variable "release" {
  description = "Commit SHA of the first image."
  type        = string
  default     = "0000000000000000000000000000000000000000"
}

variable "enable_dr" {
  description = "Also build the DR region (doubles network, ALB and cluster)."
  type        = bool
  default     = true
}

variable "enable_autoscaling" {
  description = "Create Application Auto Scaling targets and policies. moto 5.2 lacks their tag actions: run moto through scripts/moto_server.py, or set false."
  type        = bool
  default     = true
}
