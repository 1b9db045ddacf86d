# Each region's outputs are defined once, in the region module; envs/outputs.tf (linked into
# every environment) exposes the primary's one by one for `terraform output -raw NAME`.

output "primary" {
  description = "The primary region's stack: every output of the region module."
  value       = module.primary
}

output "dr" {
  description = "The DR region's stack, the same outputs as `primary` (null when enable_dr is false)."
  value       = var.enable_dr ? module.dr[0] : null
}

output "ecr_repository_url" {
  description = "Repository of the service's images (IMAGE of IMAGE:SHA); replicated to the DR region."
  value       = module.ecr.repository_url
}

output "release_parameters_path" {
  description = "SSM path of the release parameters, the same in each region: what scripts/release.sh reads."
  value       = local.release_parameters_path
}

output "deploy_role_arn" {
  description = "Role GitHub Actions assumes (jobs of the deploy environment only) to push and deploy, in both regions."
  value       = module.ci_oidc.role_arn
}
