output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "public_subnet_ids" {
  description = "Public subnets (ALB, NAT), one per zone."
  value       = aws_subnet.public[*].id
}

output "private_subnet_ids" {
  description = "Private subnets (container instances and tasks), one per zone."
  value       = aws_subnet.private[*].id
}

output "alb_security_group_id" {
  description = "Security group of the ALB."
  value       = aws_security_group.alb.id
}

output "tasks_security_group_id" {
  description = "Security group of the service's tasks (awsvpc ENIs)."
  value       = aws_security_group.tasks.id
}

output "instances_security_group_id" {
  description = "Security group of the ECS container instances."
  value       = aws_security_group.instances.id
}

output "endpoints_security_group_id" {
  description = "Security group of the VPC interface endpoints."
  value       = aws_security_group.endpoints.id
}

output "nat_public_ips" {
  description = "Public addresses of the NAT gateways (for allow-lists of third parties)."
  value       = aws_eip.nat[*].public_ip
}

output "private_route_table_ids" {
  description = "Route tables of the private subnets."
  value       = aws_route_table.private[*].id
}

output "flow_log_group_name" {
  description = "Log group of the VPC flow logs (null when disabled)."
  value       = var.flow_logs.enabled ? aws_cloudwatch_log_group.flow_logs[0].name : null
}
