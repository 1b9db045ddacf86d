# What slipway's ecs target and the CI workflows read (terraform output -json).

output "region" {
  description = "Primary region."
  value       = data.aws_region.primary.name
}

output "cluster_name" {
  description = "ECS cluster of the service."
  value       = module.ecs_cluster.cluster_name
}

output "cluster_arn" {
  description = "ARN of the ECS cluster."
  value       = module.ecs_cluster.cluster_arn
}

output "service_name" {
  description = "ECS service slipway deploys to."
  value       = module.ecs_service.service_name
}

output "task_family" {
  description = "Task definition family slipway registers revisions in."
  value       = module.ecs_service.task_family
}

output "container_name" {
  description = "Name of the service's container."
  value       = module.ecs_service.container_name
}

output "execution_role_arn" {
  description = "Task execution role (executionRoleArn of every revision)."
  value       = module.ecs_service.execution_role_arn
}

output "task_role_arn" {
  description = "Task role (taskRoleArn of every revision)."
  value       = module.ecs_service.task_role_arn
}

output "secret_arns" {
  description = "Secrets Manager secrets by short name (`slipway secrets set` writes them)."
  value       = module.secrets.secret_arns
}

output "parameter_arns" {
  description = "SSM SecureString parameters by short name."
  value       = module.secrets.parameter_arns
}

output "container_secrets" {
  description = "The `secrets` list of the task definition (name, valueFrom)."
  value       = module.secrets.container_secrets
}

output "log_group_name" {
  description = "Log group of the service's containers."
  value       = module.observability.log_group_name
}

output "target_group_arn" {
  description = "Target group of the service."
  value       = module.alb.target_group_arn
}

output "alarm_names" {
  description = "Alarm name of each signal."
  value       = module.observability.alarm_names
}

output "rollback_alarm_names" {
  description = "Alarms that roll a deployment back (the service's `alarms` block; slipway watches them during bake time)."
  value       = local.rollback_alarms
}

output "ecr_repository_url" {
  description = "Repository of the service's images (IMAGE of IMAGE:SHA)."
  value       = module.ecr.repository_url
}

output "alb_dns_name" {
  description = "DNS name of the ALB."
  value       = module.alb.dns_name
}

output "alb_zone_id" {
  description = "Hosted zone of the ALB's DNS name (alias records)."
  value       = module.alb.zone_id
}

output "release_parameters_path" {
  description = "SSM path of the release parameters (in each region): what scripts/release.sh reads."
  value       = local.release_parameters_path
}

output "deploy_role_arn" {
  description = "Role GitHub Actions assumes (jobs of the deploy environment only) to push and deploy."
  value       = module.ci_oidc.role_arn
}

output "sns_topic_arn" {
  description = "Alarm notification topic."
  value       = module.observability.sns_topic_arn
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the service."
  value       = module.observability.dashboard_name
}

output "tasks_security_group_id" {
  description = "Security group of the tasks."
  value       = module.network.tasks_security_group_id
}

output "alb_security_group_id" {
  description = "Security group of the ALB."
  value       = module.network.alb_security_group_id
}

output "dr" {
  description = "The DR region's service (null when enable_dr is false)."
  value = var.enable_dr ? {
    region             = local.dr_region
    cluster_name       = module.dr[0].cluster_name
    service_name       = module.dr[0].service_name
    task_family        = module.dr[0].task_family
    execution_role_arn = module.dr[0].execution_role_arn
    task_role_arn      = module.dr[0].task_role_arn
    log_group_name     = module.dr[0].log_group_name
    target_group_arn   = module.dr[0].target_group_arn
    alarm_names        = module.dr[0].alarm_names
    alb_dns_name       = module.dr[0].alb_dns_name
    alb_zone_id        = module.dr[0].alb_zone_id
    parameter_arns     = module.dr[0].parameter_arns
  } : null
}
