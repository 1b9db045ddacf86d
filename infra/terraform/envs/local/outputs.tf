# The platform's outputs, one by one, for `terraform output -raw NAME` and `-json`.

output "region" {
  description = "Primary region."
  value       = module.platform.region
}

output "cluster_name" {
  description = "ECS cluster of the service."
  value       = module.platform.cluster_name
}

output "cluster_arn" {
  description = "ARN of the ECS cluster."
  value       = module.platform.cluster_arn
}

output "service_name" {
  description = "ECS service slipway deploys to."
  value       = module.platform.service_name
}

output "task_family" {
  description = "Task definition family slipway registers revisions in."
  value       = module.platform.task_family
}

output "container_name" {
  description = "Name of the service's container."
  value       = module.platform.container_name
}

output "execution_role_arn" {
  description = "Task execution role."
  value       = module.platform.execution_role_arn
}

output "task_role_arn" {
  description = "Task role."
  value       = module.platform.task_role_arn
}

output "secret_arns" {
  description = "Secrets Manager secrets by short name."
  value       = module.platform.secret_arns
}

output "parameter_arns" {
  description = "SSM SecureString parameters by short name."
  value       = module.platform.parameter_arns
}

output "container_secrets" {
  description = "The `secrets` list of the task definition."
  value       = module.platform.container_secrets
}

output "log_group_name" {
  description = "Log group of the service's containers."
  value       = module.platform.log_group_name
}

output "target_group_arn" {
  description = "Target group of the service."
  value       = module.platform.target_group_arn
}

output "alarm_names" {
  description = "Alarm name of each signal."
  value       = module.platform.alarm_names
}

output "rollback_alarm_names" {
  description = "Alarms that roll a deployment back."
  value       = module.platform.rollback_alarm_names
}

output "ecr_repository_url" {
  description = "Repository of the service's images."
  value       = module.platform.ecr_repository_url
}

output "alb_dns_name" {
  description = "DNS name of the ALB."
  value       = module.platform.alb_dns_name
}

output "deploy_role_arn" {
  description = "Role GitHub Actions assumes to deploy."
  value       = module.platform.deploy_role_arn
}

output "sns_topic_arn" {
  description = "Alarm notification topic."
  value       = module.platform.sns_topic_arn
}

output "dashboard_name" {
  description = "CloudWatch dashboard."
  value       = module.platform.dashboard_name
}

output "tasks_security_group_id" {
  description = "Security group of the tasks."
  value       = module.platform.tasks_security_group_id
}

output "alb_security_group_id" {
  description = "Security group of the ALB."
  value       = module.platform.alb_security_group_id
}

output "dr" {
  description = "The DR region's service (null when disabled)."
  value       = module.platform.dr
}

output "release_parameters_path" {
  description = "SSM path of the release parameters (scripts/release.sh)."
  value       = module.platform.release_parameters_path
}
