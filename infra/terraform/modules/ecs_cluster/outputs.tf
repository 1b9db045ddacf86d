output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = aws_ecs_cluster.this.name
}

output "cluster_arn" {
  description = "ARN of the ECS cluster."
  value       = aws_ecs_cluster.this.arn
}

output "capacity_provider_name" {
  description = "Name of the capacity provider backed by the Auto Scaling Group (known once it is associated with the cluster)."
  value       = aws_ecs_capacity_provider.this.name
  # A service naming a capacity provider that is not yet associated with its cluster is refused
  # (first apply): whoever uses the name waits for the association.
  depends_on = [aws_ecs_cluster_capacity_providers.this]
}

output "capacity_provider_association_id" {
  description = "ID of the cluster's capacity provider association (the ecs_service module waits for it)."
  value       = aws_ecs_cluster_capacity_providers.this.id
}

output "autoscaling_group_name" {
  description = "Name of the Auto Scaling Group (the AutoScalingGroupName dimension of its alarms)."
  value       = aws_autoscaling_group.this.name
}

output "instance_role_arn" {
  description = "ARN of the container instances' role."
  value       = aws_iam_role.instance.arn
}

output "launch_template_id" {
  description = "ID of the container instances' launch template."
  value       = aws_launch_template.this.id
}
