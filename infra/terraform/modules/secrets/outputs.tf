output "kms_key_arn" {
  description = "ARN of the customer-managed key encrypting the secrets and parameters."
  value       = aws_kms_key.this.arn
}

output "secret_arns" {
  description = "ARN of each Secrets Manager secret, by short name."
  value       = { for k, s in aws_secretsmanager_secret.this : k => s.arn }
}

output "parameter_arns" {
  description = "ARN of each SSM parameter, by short name."
  value       = { for k, p in aws_ssm_parameter.this : k => p.arn }
}

output "parameter_names" {
  description = "Name of each SSM parameter, by short name."
  value       = { for k, p in aws_ssm_parameter.this : k => p.name }
}

output "container_secrets" {
  description = "The task definition's `secrets` list: one {name, valueFrom} per secret and parameter, valueFrom being the full ARN."
  value = concat(
    [for k, s in aws_secretsmanager_secret.this : { name = var.secrets[k].env_name, valueFrom = s.arn }],
    [for k, p in aws_ssm_parameter.this : { name = var.parameters[k].env_name, valueFrom = p.arn }],
  )
}

output "secret_env_names" {
  description = "Environment variable of each Secrets Manager secret, by short name."
  value       = { for k, v in var.secrets : k => v.env_name }
}
