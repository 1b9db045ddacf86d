output "kms_key_arn" {
  description = "Key of the DR region: encrypts the secret replicas and the DR parameters."
  value       = module.secrets.kms_key_arn
}

output "cluster_name" {
  description = "Name of the DR cluster."
  value       = module.ecs_cluster.cluster_name
}

output "cluster_arn" {
  description = "ARN of the DR cluster."
  value       = module.ecs_cluster.cluster_arn
}

output "service_name" {
  description = "Name of the DR service."
  value       = module.ecs_service.service_name
}

output "service_arn" {
  description = "ARN of the DR service."
  value       = module.ecs_service.service_arn
}

output "task_family" {
  description = "Task definition family of the DR service."
  value       = module.ecs_service.task_family
}

output "execution_role_arn" {
  description = "Execution role of the DR service."
  value       = module.ecs_service.execution_role_arn
}

output "task_role_arn" {
  description = "Task role of the DR service."
  value       = module.ecs_service.task_role_arn
}

output "parameter_arns" {
  description = "SSM parameters of the DR region, by short name."
  value       = module.secrets.parameter_arns
}

output "log_group_name" {
  description = "Log group of the DR service."
  value       = module.observability.log_group_name
}

output "target_group_arn" {
  description = "Target group of the DR service."
  value       = module.alb.target_group_arn
}

output "alb_dns_name" {
  description = "DNS name of the DR ALB (failover record target)."
  value       = module.alb.dns_name
}

output "alb_zone_id" {
  description = "Hosted zone of the DR ALB's DNS name."
  value       = module.alb.zone_id
}

output "alarm_names" {
  description = "Alarm name of each signal in the DR region."
  value       = module.observability.alarm_names
}

output "log_group_arn" {
  description = "ARN of the DR service's log group."
  value       = module.observability.log_group_arn
}

output "alarm_arns" {
  description = "ARNs of the DR alarms."
  value       = module.observability.alarm_arns
}

output "release_parameters_path_arn" {
  description = "ARN of the SSM path of the DR release parameters."
  value       = module.ecs_service.release_parameters_path_arn
}
