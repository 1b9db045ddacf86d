output "role_arn" {
  description = "ARN of the deploy role (role-to-assume of aws-actions/configure-aws-credentials)."
  value       = aws_iam_role.this.arn
}

output "oidc_provider_arn" {
  description = "ARN of the GitHub OIDC provider."
  value       = local.oidc_provider_arn
}
