output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = aws_ecs_cluster.this.name
}

output "cluster_arn" {
  description = "ARN of the ECS cluster."
  value       = aws_ecs_cluster.this.arn
}

output "capacity_provider_name" {
  description = "Name of the capacity provider backed by the Auto Scaling Group."
  value       = aws_ecs_capacity_provider.this.name
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
