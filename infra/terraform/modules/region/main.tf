# One region of the platform: the service with everything it needs in that region. The
# platform module calls it twice, for the primary region and (through the aliased provider) the
# disaster-recovery region, so both regions run the same code and differ only in their inputs.
# The image arrives by ECR replication and, in the DR region, the secrets by Secrets Manager
# replication (both configured in the primary region); SSM parameters do not replicate, so each
# region creates its own, together with the regional key that encrypts them and any secret
# replicas there.

data "aws_region" "this" {}
data "aws_caller_identity" "this" {}
data "aws_partition" "this" {}

locals {
  # Secrets created in this region first, then those replicated here from another region.
  container_secrets = concat(
    [for k, s in var.replicated_secrets : { name = s.env_name, valueFrom = s.arn }],
    module.secrets.container_secrets,
  )
  secret_arns     = concat([for s in values(var.replicated_secrets) : s.arn], values(module.secrets.secret_arns))
  rollback_alarms = [for k in ["alb_unhealthy_hosts", "target_5xx_rate", "target_p99_latency"] : module.observability.alarm_names[k]]
}

module "secrets" {
  source = "../secrets"

  name_prefix              = var.secrets_name_prefix
  secrets                  = var.secrets
  parameters               = var.parameters
  replica_regions          = var.secret_replica_regions
  recovery_window_days     = var.compat.secrets_recovery_window_days
  kms_deletion_window_days = var.compat.kms_deletion_window_days
  tags                     = var.tags
}

module "network" {
  source = "../network"

  name               = var.name
  vpc_cidr           = var.vpc_cidr
  availability_zones = var.availability_zones
  app_port           = var.app_port
  single_nat_gateway = var.capacity.single_nat_gateway
  flow_logs          = { retention_days = var.log_retention_days, kms_key_arn = module.observability.kms_key_arn }
  tags               = var.tags
}

module "alb" {
  source = "../alb"

  name                         = var.name
  vpc_id                       = module.network.vpc_id
  public_subnet_ids            = module.network.public_subnet_ids
  security_group_id            = module.network.alb_security_group_id
  certificate_arn              = var.certificate_arn
  app_port                     = var.app_port
  deregistration_delay_seconds = var.shutdown.delay_seconds + var.shutdown.timeout_seconds
  enable_deletion_protection   = var.compat.deletion_protection
  traffic_shifting             = var.traffic_shifting
  tags                         = var.tags
}

module "observability" {
  source = "../observability"

  name                     = var.name
  log_retention_days       = var.log_retention_days
  cluster_name             = var.name
  cluster_arn              = module.ecs_cluster.cluster_arn
  service_name             = var.name
  load_balancer_arn_suffix = module.alb.arn_suffix
  target_group_arn_suffix  = module.alb.target_group_arn_suffix
  autoscaling_group_name   = module.ecs_cluster.autoscaling_group_name
  alarm_overrides          = var.alarm_overrides
  alarm_email_addresses    = var.alarm_email_addresses
  kms_deletion_window_days = var.compat.kms_deletion_window_days
  composite_alarms         = var.compat.composite_alarms
  tags                     = var.tags
}

module "ecs_cluster" {
  source = "../ecs_cluster"

  name                      = var.name
  private_subnet_ids        = module.network.private_subnet_ids
  security_group_ids        = [module.network.instances_security_group_id]
  instance_type             = var.capacity.instance_type
  min_size                  = var.capacity.min_instances
  max_size                  = var.capacity.max_instances
  ami_id                    = var.compat.ami_id
  ecr_repository_arns       = [var.ecr_repository_arn]
  log_group_arns            = [module.observability.log_group_arn]
  force_delete              = var.compat.force_delete
  wait_for_capacity_timeout = var.compat.wait_for_capacity_timeout
  tags                      = var.tags
}

module "ecs_service" {
  source = "../ecs_service"

  name           = var.name
  cluster_name   = module.ecs_cluster.cluster_name
  cluster_arn    = module.ecs_cluster.cluster_arn
  image          = var.image
  release        = var.release
  container_port = var.app_port
  cpu            = var.capacity.cpu
  memory         = var.capacity.memory
  shutdown       = var.shutdown

  container_secrets = local.container_secrets
  secret_arns       = local.secret_arns
  parameter_arns    = values(module.secrets.parameter_arns)
  kms_key_arns      = [module.secrets.kms_key_arn]

  ecr_repository_arn = var.ecr_repository_arn
  log_group_name     = module.observability.log_group_name
  log_group_arn      = module.observability.log_group_arn

  subnet_ids           = module.network.private_subnet_ids
  security_group_ids   = [module.network.tasks_security_group_id]
  target_group_arn     = module.alb.target_group_arn
  listener_arn         = module.alb.https_listener_arn
  traffic_shifting     = var.traffic_shifting.enabled
  desired_count        = var.capacity.desired_count
  rollback_alarm_names = local.rollback_alarms

  release_parameters_path = var.release_parameters_path
  extra_release_parameters = merge(
    var.traffic_shifting.enabled ? {
      ALTERNATE_TARGET_GROUP_ARN   = module.alb.alternate_target_group_arn
      PRODUCTION_LISTENER_RULE_ARN = module.alb.production_listener_rule_arn
    } : {},
    var.traffic_shifting.enabled && var.traffic_shifting.test_header != null ? {
      TEST_LISTENER_RULE_ARN = module.alb.test_listener_rule_arn
    } : {},
  )

  capacity_provider_association_id  = module.ecs_cluster.capacity_provider_association_id
  capacity_provider_strategy        = var.compat.use_capacity_provider_strategy ? [{ capacity_provider = module.ecs_cluster.capacity_provider_name, base = 1, weight = 1 }] : []
  placement_strategy                = var.compat.placement_strategy ? var.capacity.placement_strategy : []
  health_check_grace_period_seconds = var.compat.health_check_grace_period_seconds
  enable_ecs_managed_tags           = var.compat.enable_ecs_managed_tags

  autoscaling = {
    enabled       = var.compat.enable_autoscaling
    min_capacity  = var.capacity.min_count
    max_capacity  = var.capacity.max_count
    request_label = "${module.alb.arn_suffix}/${module.alb.target_group_arn_suffix}"
  }

  tags = var.tags
}
