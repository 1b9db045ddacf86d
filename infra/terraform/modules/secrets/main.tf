data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

# The key that encrypts the service's secrets and parameters. The key policy delegates to IAM:
# who may decrypt is decided by role policies scoped to this key's ARN (the execution role's).
resource "aws_kms_key" "this" {
  description             = "slipway secrets: ${var.name_prefix}"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_deletion_window_days
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AccountAdministersThroughIam"
      Effect    = "Allow"
      Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*" # in a key policy "*" means this key
    }]
  })
  tags = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${replace(var.name_prefix, "/", "-")}-secrets"
  target_key_id = aws_kms_key.this.key_id
}

# No aws_secretsmanager_secret_version here on purpose: the value never passes through
# Terraform (code or state). `slipway secrets set` writes it; ECS reads AWSCURRENT at task start.
resource "aws_secretsmanager_secret" "this" {
  for_each = var.secrets

  name                    = "${var.name_prefix}/${each.key}"
  description             = each.value.description
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = var.recovery_window_days

  dynamic "replica" {
    for_each = var.replica_regions
    content {
      region     = replica.value.region
      kms_key_id = replica.value.kms_key_arn
    }
  }

  tags = merge(var.tags, { EnvName = each.value.env_name })
}

# SecureString parameters need a value at creation: a placeholder, written through the
# write-only argument so neither it nor the real value (set later out of band) lands in state.
resource "aws_ssm_parameter" "this" {
  for_each = var.parameters

  name             = "/${var.name_prefix}/${each.key}"
  description      = each.value.description
  type             = "SecureString"
  key_id           = aws_kms_key.this.arn
  value_wo         = "unset: run slipway secrets set ${each.key}"
  value_wo_version = 1
  tier             = "Standard"

  tags = merge(var.tags, { EnvName = each.value.env_name })
}
