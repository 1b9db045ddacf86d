# The outputs of every environment, written once: envs/local/outputs.tf and
# envs/production/outputs.tf are links to this file (Terraform has no include, and a root
# module's outputs must be declared in the root). What slipway's ecs target (`--terraform-dir`),
# scripts/release.sh and the CI workflows read with `terraform output -raw NAME` or `-json`:
# the primary region's values one by one, the DR region's as `dr`.

output "region" {
  description = "Primary region."
  value       = module.platform.primary.region
}

output "cluster_name" {
  description = "ECS cluster of the service."
  value       = module.platform.primary.cluster_name
}

output "cluster_arn" {
  description = "ARN of the ECS cluster."
  value       = module.platform.primary.cluster_arn
}

output "service_name" {
  description = "ECS service slipway deploys to."
  value       = module.platform.primary.service_name
}

output "task_family" {
  description = "Task definition family slipway registers revisions in."
  value       = module.platform.primary.task_family
}

output "container_name" {
  description = "Name of the service's container."
  value       = module.platform.primary.container_name
}

output "execution_role_arn" {
  description = "Task execution role (executionRoleArn of every revision)."
  value       = module.platform.primary.execution_role_arn
}

output "task_role_arn" {
  description = "Task role (taskRoleArn of every revision)."
  value       = module.platform.primary.task_role_arn
}

output "secret_arns" {
  description = "Secrets Manager secrets by short name (`slipway secrets set` writes them)."
  value       = module.platform.primary.secret_arns
}

output "parameter_arns" {
  description = "SSM SecureString parameters by short name."
  value       = module.platform.primary.parameter_arns
}

output "container_secrets" {
  description = "The `secrets` list of the task definition (name, valueFrom)."
  value       = module.platform.primary.container_secrets
}

output "log_group_name" {
  description = "Log group of the service's containers."
  value       = module.platform.primary.log_group_name
}

output "target_group_arn" {
  description = "Target group of the service."
  value       = module.platform.primary.target_group_arn
}

output "alarm_names" {
  description = "Alarm name of each signal."
  value       = module.platform.primary.alarm_names
}

output "rollback_alarm_names" {
  description = "Alarms that roll a deployment back."
  value       = module.platform.primary.rollback_alarm_names
}

output "alb_dns_name" {
  description = "DNS name of the ALB."
  value       = module.platform.primary.alb_dns_name
}

output "sns_topic_arn" {
  description = "Alarm notification topic."
  value       = module.platform.primary.sns_topic_arn
}

output "dashboard_name" {
  description = "CloudWatch dashboard."
  value       = module.platform.primary.dashboard_name
}

output "tasks_security_group_id" {
  description = "Security group of the tasks."
  value       = module.platform.primary.tasks_security_group_id
}

output "alb_security_group_id" {
  description = "Security group of the ALB."
  value       = module.platform.primary.alb_security_group_id
}

output "ecr_repository_url" {
  description = "Repository of the service's images (IMAGE of IMAGE:SHA)."
  value       = module.platform.ecr_repository_url
}

output "deploy_role_arn" {
  description = "Role GitHub Actions assumes to deploy."
  value       = module.platform.deploy_role_arn
}

output "release_parameters_path" {
  description = "SSM path of the release parameters in each region (scripts/release.sh)."
  value       = module.platform.release_parameters_path
}

output "dr" {
  description = "The DR region's stack, the region module's outputs (null when disabled)."
  value       = module.platform.dr
}

# deploy/service.json's loadBalancers[].advancedConfiguration under BLUE_GREEN, LINEAR and
# CANARY, as ${ALTERNATE_TARGET_GROUP_ARN} and the like (docs/strategies.md).
output "alternate_target_group_arn" {
  description = "Second target group ECS shifts traffic to (advancedConfiguration.alternateTargetGroupArn)."
  value       = module.platform.primary.alternate_target_group_arn
}

output "production_listener_rule_arn" {
  description = "Listener rule of production traffic (advancedConfiguration.productionListenerRule)."
  value       = module.platform.primary.production_listener_rule_arn
}

output "test_listener_rule_arn" {
  description = "Listener rule of test traffic (advancedConfiguration.testListenerRule; null without a test header)."
  value       = module.platform.primary.test_listener_rule_arn
}

output "load_balancer_infrastructure_role_arn" {
  description = "Role ECS assumes to shift traffic (advancedConfiguration.roleArn)."
  value       = module.platform.primary.load_balancer_infrastructure_role_arn
}

output "app_port" {
  description = "Port the container listens on (loadBalancers[].containerPort)."
  value       = module.platform.primary.app_port
}
