# What one region offers: the envs expose the primary's one by one and the DR region's as `dr`.

output "region" {
  description = "The region of this stack."
  value       = data.aws_region.this.name
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

output "service_arn" {
  description = "ARN of the ECS service."
  value       = module.ecs_service.service_arn
}

output "task_family" {
  description = "Task definition family slipway registers revisions in."
  value       = module.ecs_service.task_family
}

output "task_family_arn" {
  description = "ARN of the task definition family without a revision (what the deploy role may register and describe)."
  value       = "arn:${data.aws_partition.this.partition}:ecs:${data.aws_region.this.name}:${data.aws_caller_identity.this.account_id}:task-definition/${module.ecs_service.task_family}"
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

output "ecr_repository_arn" {
  description = "The repository this region's instances pull from (the replica in a DR region)."
  value       = var.ecr_repository_arn
}

output "kms_key_arn" {
  description = "This region's key: encrypts its secrets, parameters and secret replicas."
  value       = module.secrets.kms_key_arn
}

output "secret_arns" {
  description = "Secrets Manager secrets created in this region, by short name (`slipway secrets set` writes them)."
  value       = module.secrets.secret_arns
}

output "replicated_secret_arns" {
  description = "Replicas in this region of secrets created elsewhere, by short name."
  value       = { for k, s in var.replicated_secrets : k => s.arn }
}

output "secret_env_names" {
  description = "Environment variable of each secret created in this region, by short name."
  value       = module.secrets.secret_env_names
}

output "parameter_arns" {
  description = "SSM SecureString parameters of this region, by short name."
  value       = module.secrets.parameter_arns
}

output "container_secrets" {
  description = "The `secrets` list of the task definition (name, valueFrom)."
  value       = local.container_secrets
}

output "log_group_name" {
  description = "Log group of the service's containers."
  value       = module.observability.log_group_name
}

output "log_group_arn" {
  description = "ARN of that log group."
  value       = module.observability.log_group_arn
}

output "target_group_arn" {
  description = "Target group of the service."
  value       = module.alb.target_group_arn
}

output "alarm_names" {
  description = "Alarm name of each signal."
  value       = module.observability.alarm_names
}

output "alarm_arns" {
  description = "ARN of each alarm."
  value       = module.observability.alarm_arns
}

output "rollback_alarm_names" {
  description = "Alarms that roll a deployment back (the service's `alarms` block; slipway watches them during bake time)."
  value       = local.rollback_alarms
}

output "alb_dns_name" {
  description = "DNS name of the ALB (target of the failover records)."
  value       = module.alb.dns_name
}

output "alb_zone_id" {
  description = "Hosted zone of the ALB's DNS name (alias records)."
  value       = module.alb.zone_id
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

output "release_parameters_path_arn" {
  description = "ARN of the SSM path of this region's release parameters."
  value       = module.ecs_service.release_parameters_path_arn
}

output "alternate_target_group_arn" {
  description = "Second target group of BLUE_GREEN, LINEAR and CANARY (advancedConfiguration.alternateTargetGroupArn)."
  value       = module.alb.alternate_target_group_arn
}

output "production_listener_rule_arn" {
  description = "Listener rule ECS shifts production traffic through (advancedConfiguration.productionListenerRule)."
  value       = module.alb.production_listener_rule_arn
}

output "test_listener_rule_arn" {
  description = "Listener rule of test traffic (advancedConfiguration.testListenerRule; null without a test header)."
  value       = module.alb.test_listener_rule_arn
}

output "load_balancer_infrastructure_role_arn" {
  description = "Role ECS assumes to shift traffic (advancedConfiguration.roleArn)."
  value       = module.ecs_service.load_balancer_infrastructure_role_arn
}

output "app_port" {
  description = "Port the container listens on and the target groups forward to."
  value       = var.app_port
}
