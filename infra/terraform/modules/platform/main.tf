# The whole slipway platform of one environment. envs/production and envs/local differ only in
# their providers (endpoints, backend) and in `compat`, so the code applied against moto is the
# code applied in production.

data "aws_region" "primary" {}

data "aws_region" "dr" {
  provider = aws.dr
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  name = "slipway-${var.environment}"
  # Names and ARNs a release needs, per region (scripts/release.sh reads them).
  release_parameters_path = "/slipway/${var.environment}/release"
  secret_prefix           = "slipway/${var.environment}"
  tags                    = merge(var.tags, { Service = "slipway", Environment = var.environment })
  dr_region               = data.aws_region.dr.name
  dr_ecr_repository_arn   = replace(module.ecr.repository_arn, ":${data.aws_region.primary.name}:", ":${local.dr_region}:")
  # A secret's replica keeps its name and suffix; only the region in the ARN differs.
  dr_secret_arns = { for k, arn in module.secrets.secret_arns : k => replace(arn, ":${data.aws_region.primary.name}:", ":${local.dr_region}:") }
  rollback_alarms = [for k in ["alb_unhealthy_hosts", "target_5xx_rate", "target_p99_latency"] :
    module.observability.alarm_names[k]
  ]
  parameters = {
    database-password = { description = "PostgreSQL password of the slipway service", env_name = "DATABASE_PASSWORD" }
  }
}

module "network" {
  source = "../network"

  name               = local.name
  vpc_cidr           = var.vpc_cidr
  availability_zones = var.availability_zones
  app_port           = var.app_port
  flow_logs          = { retention_days = var.log_retention_days, kms_key_arn = module.observability.kms_key_arn }
  tags               = local.tags
}

module "ecr" {
  source = "../ecr"

  name                = "slipway"
  replication_regions = var.enable_dr ? [local.dr_region] : []
  force_delete        = var.compat.force_delete
  tags                = local.tags
}

module "secrets" {
  source = "../secrets"

  name_prefix = local.secret_prefix
  parameters  = local.parameters
  replica_regions = var.enable_dr ? [{
    region      = local.dr_region
    kms_key_arn = var.compat.secret_replica_customer_key ? module.dr[0].kms_key_arn : null
  }] : []
  recovery_window_days     = var.compat.secrets_recovery_window_days
  kms_deletion_window_days = var.compat.kms_deletion_window_days
  tags                     = local.tags
}

module "alb" {
  source = "../alb"

  name                         = local.name
  vpc_id                       = module.network.vpc_id
  public_subnet_ids            = module.network.public_subnet_ids
  security_group_id            = module.network.alb_security_group_id
  certificate_arn              = var.certificate_arn
  app_port                     = var.app_port
  deregistration_delay_seconds = var.shutdown.delay_seconds + var.shutdown.timeout_seconds
  enable_deletion_protection   = var.compat.deletion_protection
  tags                         = local.tags
}

module "observability" {
  source = "../observability"

  name                     = local.name
  log_retention_days       = var.log_retention_days
  cluster_name             = local.name
  cluster_arn              = module.ecs_cluster.cluster_arn
  service_name             = local.name
  load_balancer_arn_suffix = module.alb.arn_suffix
  target_group_arn_suffix  = module.alb.target_group_arn_suffix
  autoscaling_group_name   = module.ecs_cluster.autoscaling_group_name
  alarm_overrides          = var.alarm_overrides
  alarm_email_addresses    = var.alarm_email_addresses
  kms_deletion_window_days = var.compat.kms_deletion_window_days
  composite_alarms         = var.compat.composite_alarms
  tags                     = local.tags
}

module "ecs_cluster" {
  source = "../ecs_cluster"

  name                      = local.name
  private_subnet_ids        = module.network.private_subnet_ids
  security_group_ids        = [module.network.instances_security_group_id]
  instance_type             = var.service.instance_type
  min_size                  = var.service.min_instances
  max_size                  = var.service.max_instances
  ami_id                    = var.compat.ami_id
  ecr_repository_arns       = [module.ecr.repository_arn]
  log_group_arns            = [module.observability.log_group_arn]
  force_delete              = var.compat.force_delete
  wait_for_capacity_timeout = var.compat.wait_for_capacity_timeout
  tags                      = local.tags
}

module "ecs_service" {
  source = "../ecs_service"

  name           = local.name
  cluster_name   = module.ecs_cluster.cluster_name
  cluster_arn    = module.ecs_cluster.cluster_arn
  image          = "${module.ecr.repository_url}:${var.release}"
  release        = var.release
  container_port = var.app_port
  cpu            = var.service.cpu
  memory         = var.service.memory
  shutdown       = var.shutdown

  container_secrets = module.secrets.container_secrets
  secret_arns       = values(module.secrets.secret_arns)
  parameter_arns    = values(module.secrets.parameter_arns)
  kms_key_arns      = [module.secrets.kms_key_arn]

  ecr_repository_arn = module.ecr.repository_arn
  log_group_name     = module.observability.log_group_name
  log_group_arn      = module.observability.log_group_arn

  subnet_ids           = module.network.private_subnet_ids
  security_group_ids   = [module.network.tasks_security_group_id]
  target_group_arn     = module.alb.target_group_arn
  listener_arn         = module.alb.https_listener_arn
  desired_count        = var.desired_count
  rollback_alarm_names = local.rollback_alarms

  release_parameters_path = local.release_parameters_path

  capacity_provider_association_id  = module.ecs_cluster.capacity_provider_association_id
  capacity_provider_strategy        = var.compat.use_capacity_provider_strategy ? [{ capacity_provider = module.ecs_cluster.capacity_provider_name, base = 1, weight = 1 }] : []
  placement_strategy                = var.compat.placement_strategy ? [{ type = "spread", field = "attribute:ecs.availability-zone" }, { type = "binpack", field = "memory" }] : []
  health_check_grace_period_seconds = var.compat.health_check_grace_period_seconds
  enable_ecs_managed_tags           = var.compat.enable_ecs_managed_tags

  autoscaling = {
    enabled       = var.compat.enable_autoscaling
    min_capacity  = var.service.min_count
    max_capacity  = var.service.max_count
    request_label = "${module.alb.arn_suffix}/${module.alb.target_group_arn_suffix}"
  }

  tags = local.tags
}

module "ci_oidc" {
  source = "../ci_oidc"

  name                        = "${local.name}-deploy"
  github_repository           = var.github_repository
  github_environment          = var.github_environment
  create_oidc_provider        = var.create_oidc_provider
  oidc_provider_arn           = var.oidc_provider_arn
  ecr_repository_arn          = module.ecr.repository_arn
  ecr_replica_repository_arns = var.enable_dr ? [local.dr_ecr_repository_arn] : []
  cluster_arns                = concat([module.ecs_cluster.cluster_arn], var.enable_dr ? [module.dr[0].cluster_arn] : [])
  service_arns                = concat([module.ecs_service.service_arn], var.enable_dr ? [module.dr[0].service_arn] : [])
  task_family_arns = concat(
    ["arn:${data.aws_partition.current.partition}:ecs:${data.aws_region.primary.name}:${data.aws_caller_identity.current.account_id}:task-definition/${module.ecs_service.task_family}"],
    var.enable_dr ? ["arn:${data.aws_partition.current.partition}:ecs:${local.dr_region}:${data.aws_caller_identity.current.account_id}:task-definition/${module.dr[0].task_family}"] : [],
  )
  pass_role_arns = concat(
    [module.ecs_service.execution_role_arn, module.ecs_service.task_role_arn],
    var.enable_dr ? [module.dr[0].execution_role_arn, module.dr[0].task_role_arn] : [],
  )
  execution_role_arns         = concat([module.ecs_service.execution_role_arn], var.enable_dr ? [module.dr[0].execution_role_arn] : [])
  secret_arns                 = concat(values(module.secrets.secret_arns), var.enable_dr ? values(local.dr_secret_arns) : [])
  release_parameter_path_arns = concat([module.ecs_service.release_parameters_path_arn], var.enable_dr ? [module.dr[0].release_parameters_path_arn] : [])
  alarm_arns                  = concat(values(module.observability.alarm_arns), var.enable_dr ? values(module.dr[0].alarm_arns) : [])
  log_group_arns              = concat([module.observability.log_group_arn], var.enable_dr ? [module.dr[0].log_group_arn] : [])
  tags                        = local.tags
}

module "dr" {
  source = "../dr"
  count  = var.enable_dr ? 1 : 0

  providers = {
    aws = aws.dr
  }

  name                    = "${local.name}-dr"
  secrets_name_prefix     = local.secret_prefix
  vpc_cidr                = var.dr.vpc_cidr
  availability_zones      = var.dr.availability_zones
  certificate_arn         = var.dr.certificate_arn
  image                   = "${module.ecr.replica_repository_urls[local.dr_region]}:${var.release}"
  release                 = var.release
  ecr_repository_arn      = local.dr_ecr_repository_arn
  replica_secret_arns     = local.dr_secret_arns
  release_parameters_path = local.release_parameters_path
  secret_env_names        = module.secrets.secret_env_names
  parameters              = local.parameters
  app_port                = var.app_port
  shutdown                = var.shutdown
  desired_count           = var.dr.desired_count
  max_count               = var.dr.max_count
  log_retention_days      = var.log_retention_days
  compat                  = { for k, v in var.compat : k => v if k != "secret_replica_customer_key" }
  tags                    = merge(local.tags, { Role = "disaster-recovery" })
}
