output "service_name" {
  description = "Name of the ECS service."
  value       = aws_ecs_service.this.name
}

output "service_arn" {
  description = "ARN of the ECS service."
  value       = aws_ecs_service.this.id
}

output "task_family" {
  description = "Task definition family; the deploy tool registers new revisions in it."
  value       = aws_ecs_task_definition.this.family
}

output "task_definition_arn" {
  description = "ARN of the revision Terraform registered (the bootstrap revision)."
  value       = aws_ecs_task_definition.this.arn
}

output "container_name" {
  description = "Name of the service's container in the task definition."
  value       = var.container_name
}

output "execution_role_arn" {
  description = "ARN of the task execution role (image pull, logs, secrets)."
  value       = aws_iam_role.execution.arn
}

output "task_role_arn" {
  description = "ARN of the task role (the application's own AWS identity)."
  value       = aws_iam_role.task.arn
}

output "stop_timeout_seconds" {
  description = "stopTimeout of the container: SHUTDOWN_DELAY + SHUTDOWN_TIMEOUT + 5."
  value       = local.stop_timeout
}

output "release_parameters_path_arn" {
  description = "ARN of the SSM path holding the release parameters (null when none are published)."
  value       = var.release_parameters_path == null ? null : "arn:${data.aws_partition.current.partition}:ssm:${local.region}:${data.aws_caller_identity.current.account_id}:parameter${var.release_parameters_path}"
}

output "load_balancer_infrastructure_role_arn" {
  description = "Role ECS assumes to shift traffic (advancedConfiguration.roleArn; the deploy role may pass it to ECS). Null when traffic_shifting is false."
  value       = var.traffic_shifting ? aws_iam_role.load_balancers[0].arn : null
  # ECS can assume the role only once the policy is attached.
  depends_on = [aws_iam_role_policy_attachment.load_balancers]
}
