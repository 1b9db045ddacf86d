variable "name" {
  description = "Repository name (e.g. slipway); images are tagged with the full commit SHA."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$", var.name))
    error_message = "name must be a valid ECR repository name (lowercase letters, digits, . _ - and / separators)."
  }
}

variable "image_tag_mutability" {
  description = "Tag mutability. Must stay IMMUTABLE: a commit's tag must always name the same image, or a rollback could run code nobody reviewed."
  type        = string
  default     = "IMMUTABLE"

  validation {
    condition     = var.image_tag_mutability == "IMMUTABLE"
    error_message = "image_tag_mutability must be IMMUTABLE: release tags (commit SHAs) may never be overwritten."
  }
}

variable "scan_on_push" {
  description = "Scan every pushed image for known vulnerabilities."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key encrypting the images; null uses the AWS-managed ECR key."
  type        = string
  default     = null
}

variable "retained_images" {
  description = "Newest images kept regardless of age. Must cover the release history slipway can roll back to (slipway history), with margin."
  type        = number
  default     = 500

  validation {
    condition     = var.retained_images >= 100
    error_message = "retained_images must be at least 100, so no image the release history may roll back to is expired."
  }
}

variable "untagged_expiry_days" {
  description = "Days after which untagged images (interrupted pushes, never a release) are expired."
  type        = number
  default     = 7

  validation {
    condition     = var.untagged_expiry_days >= 1
    error_message = "untagged_expiry_days must be at least 1."
  }
}

variable "replication_regions" {
  description = "Regions the registry replicates this repository to (the DR region). The replication configuration is registry-wide: this module must be its only owner."
  type        = list(string)
  default     = []
}

variable "force_delete" {
  description = "Allow destroying the repository while it still holds images (local/test environments only)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
