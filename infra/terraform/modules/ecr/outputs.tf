output "repository_url" {
  description = "URL of the repository (IMAGE in IMAGE:SHA)."
  value       = aws_ecr_repository.this.repository_url
}

output "repository_arn" {
  description = "ARN of the repository (for pull and push permissions)."
  value       = aws_ecr_repository.this.arn
}

output "repository_name" {
  description = "Name of the repository."
  value       = aws_ecr_repository.this.name
}

output "registry_id" {
  description = "Account id of the registry."
  value       = aws_ecr_repository.this.registry_id
}

output "replica_repository_urls" {
  description = "URL of the replicated repository in each replication region."
  value = { for r in var.replication_regions :
    r => "${aws_ecr_repository.this.registry_id}.dkr.ecr.${r}.amazonaws.com/${aws_ecr_repository.this.name}"
  }
}
