# The whole slipway platform of one environment: the same region stack in the primary and the
# disaster-recovery region, the repository they share by replication, and the deploy role that
# may deploy to both. envs/production and envs/local differ only in their providers (endpoints,
# backend) and in `compat`, so the code applied against moto is the code applied in production.

data "aws_region" "primary" {}

data "aws_region" "dr" {
  provider = aws.dr
}

locals {
  name = "slipway-${var.environment}"
  # Names a release needs, the same in each region (scripts/release.sh reads them).
  release_parameters_path = "/slipway/${var.environment}/release"
  secret_prefix           = "slipway/${var.environment}"
  tags                    = merge(var.tags, { Service = "slipway", Environment = var.environment })
  dr_region               = data.aws_region.dr.name
  in_dr_region            = ":${local.dr_region}:"
  primary_region          = ":${data.aws_region.primary.name}:"
  secrets = {
    api-key = { description = "API key of the slipway service", env_name = "API_KEY" }
  }
  parameters = {
    database-password = { description = "PostgreSQL password of the slipway service", env_name = "DATABASE_PASSWORD" }
  }
  # Every region the service runs in, primary first: what the deploy role may touch.
  regions = concat([module.primary], module.dr)
}

module "ecr" {
  source = "../ecr"

  name                = "slipway"
  replication_regions = var.enable_dr ? [local.dr_region] : []
  force_delete        = var.compat.force_delete
  tags                = local.tags
}

module "primary" {
  source = "../region"

  name                = local.name
  availability_zones  = var.availability_zones
  vpc_cidr            = var.vpc_cidr
  certificate_arn     = var.certificate_arn
  app_port            = var.app_port
  image               = "${module.ecr.repository_url}:${var.release}"
  release             = var.release
  ecr_repository_arn  = module.ecr.repository_arn
  secrets_name_prefix = local.secret_prefix
  secrets             = local.secrets
  parameters          = local.parameters
  secret_replica_regions = var.enable_dr ? [{
    region      = local.dr_region
    kms_key_arn = var.compat.secret_replica_customer_key ? module.dr[0].kms_key_arn : null
  }] : []
  release_parameters_path = local.release_parameters_path
  capacity = {
    cpu           = var.service.cpu
    memory        = var.service.memory
    desired_count = var.desired_count
    min_count     = var.service.min_count
    max_count     = var.service.max_count
    instance_type = var.service.instance_type
    min_instances = var.service.min_instances
    max_instances = var.service.max_instances
  }
  shutdown              = var.shutdown
  log_retention_days    = var.log_retention_days
  alarm_email_addresses = var.alarm_email_addresses
  alarm_overrides       = var.alarm_overrides
  compat                = var.compat
  traffic_shifting      = var.traffic_shifting
  tags                  = local.tags
}

# The warm standby: reduced capacity until a failover scales it up. Its image comes from the
# ECR replica and its secrets from Secrets Manager replication, both configured above.
module "dr" {
  source = "../region"
  count  = var.enable_dr ? 1 : 0

  providers = {
    aws = aws.dr
  }

  name                = "${local.name}-dr"
  availability_zones  = var.dr.availability_zones
  vpc_cidr            = var.dr.vpc_cidr
  certificate_arn     = var.dr.certificate_arn
  app_port            = var.app_port
  image               = "${module.ecr.replica_repository_urls[local.dr_region]}:${var.release}"
  release             = var.release
  ecr_repository_arn  = replace(module.ecr.repository_arn, local.primary_region, local.in_dr_region)
  secrets_name_prefix = local.secret_prefix
  # A replica keeps its secret's name and suffix; only the region in the ARN differs.
  replicated_secrets = { for k, arn in module.primary.secret_arns : k => {
    arn      = replace(arn, local.primary_region, local.in_dr_region)
    env_name = module.primary.secret_env_names[k]
  } }
  parameters              = local.parameters
  release_parameters_path = local.release_parameters_path
  capacity = {
    desired_count      = var.dr.desired_count
    min_count          = max(1, var.dr.desired_count)
    max_count          = var.dr.max_count
    min_instances      = min(1, var.dr.desired_count)
    max_instances      = var.dr.max_count
    single_nat_gateway = true # one NAT until failover
    placement_strategy = [{ type = "spread", field = "attribute:ecs.availability-zone" }]
  }
  shutdown              = var.shutdown
  log_retention_days    = var.log_retention_days
  alarm_email_addresses = var.alarm_email_addresses
  alarm_overrides       = var.alarm_overrides
  compat                = var.compat
  traffic_shifting      = var.traffic_shifting
  tags                  = merge(local.tags, { Role = "disaster-recovery" })
}

module "ci_oidc" {
  source = "../ci_oidc"

  name                        = "${local.name}-deploy"
  github_repository           = var.github_repository
  github_environment          = var.github_environment
  create_oidc_provider        = var.create_oidc_provider
  oidc_provider_arn           = var.oidc_provider_arn
  ecr_repository_arn          = module.ecr.repository_arn
  ecr_replica_repository_arns = [for r in module.dr : r.ecr_repository_arn]
  cluster_arns                = [for r in local.regions : r.cluster_arn]
  service_arns                = [for r in local.regions : r.service_arn]
  task_family_arns            = [for r in local.regions : r.task_family_arn]
  pass_role_arns              = flatten([for r in local.regions : [r.execution_role_arn, r.task_role_arn]])
  load_balancer_role_arns     = [for r in local.regions : r.load_balancer_infrastructure_role_arn if var.traffic_shifting.enabled]
  execution_role_arns         = [for r in local.regions : r.execution_role_arn]
  secret_arns                 = flatten([for r in local.regions : concat(values(r.secret_arns), values(r.replicated_secret_arns))])
  secret_parameter_arns       = flatten([for r in local.regions : values(r.parameter_arns)])
  release_parameter_path_arns = [for r in local.regions : r.release_parameters_path_arn]
  alarm_arns                  = flatten([for r in local.regions : values(r.alarm_arns)])
  log_group_arns              = [for r in local.regions : r.log_group_arn]
  tags                        = local.tags
}

# State addresses before the region module (the primary's modules sat directly in the
# platform): an existing state moves, nothing is destroyed or recreated. The DR region keeps its
# address (module.dr[0]); only its source changed.
moved {
  from = module.network
  to   = module.primary.module.network
}

moved {
  from = module.secrets
  to   = module.primary.module.secrets
}

moved {
  from = module.alb
  to   = module.primary.module.alb
}

moved {
  from = module.observability
  to   = module.primary.module.observability
}

moved {
  from = module.ecs_cluster
  to   = module.primary.module.ecs_cluster
}

moved {
  from = module.ecs_service
  to   = module.primary.module.ecs_service
}
