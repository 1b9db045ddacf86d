output "arn" {
  description = "ARN of the load balancer."
  value       = aws_lb.this.arn
}

output "arn_suffix" {
  description = "ARN suffix of the load balancer (the LoadBalancer dimension of its CloudWatch metrics)."
  value       = aws_lb.this.arn_suffix
}

output "dns_name" {
  description = "DNS name of the load balancer (alias target of the service's record)."
  value       = aws_lb.this.dns_name
}

output "zone_id" {
  description = "Hosted zone of the load balancer's DNS name (for Route 53 alias records)."
  value       = aws_lb.this.zone_id
}

output "target_group_arn" {
  description = "ARN of the target group the ECS service registers its tasks in (known once the HTTPS listener forwards to it)."
  value       = aws_lb_target_group.this.arn
  # ECS refuses a service whose target group no listener uses yet, and the HTTPS listener waits
  # for the certificate's validation: whoever attaches a service waits for the listener too.
  depends_on = [aws_lb_listener.https]
}

output "target_group_arn_suffix" {
  description = "ARN suffix of the target group (the TargetGroup dimension of its CloudWatch metrics)."
  value       = aws_lb_target_group.this.arn_suffix
}

output "https_listener_arn" {
  description = "ARN of the HTTPS listener."
  value       = aws_lb_listener.https.arn
}

output "access_logs_bucket" {
  description = "Bucket receiving the access logs (null when disabled)."
  value       = var.enable_access_logs ? aws_s3_bucket.access_logs[0].id : null
}

output "alternate_target_group_arn" {
  description = "Target group ECS registers the new revision's tasks in under BLUE_GREEN, LINEAR and CANARY (advancedConfiguration.alternateTargetGroupArn; null when traffic_shifting is off)."
  value       = local.shifting ? aws_lb_target_group.alternate[0].arn : null
  # As for the primary: ECS refuses a target group no listener rule uses yet.
  depends_on = [aws_lb_listener_rule.production]
}

output "production_listener_rule_arn" {
  description = "Listener rule ECS shifts production traffic through (advancedConfiguration.productionListenerRule; null when traffic_shifting is off)."
  value       = local.shifting ? aws_lb_listener_rule.production[0].arn : null
}

output "test_listener_rule_arn" {
  description = "Listener rule ECS sends test traffic through (advancedConfiguration.testListenerRule; null without traffic_shifting.test_header)."
  value       = length(aws_lb_listener_rule.test) > 0 ? aws_lb_listener_rule.test[0].arn : null
}
