# The disaster-recovery region: the same modules as the primary, at reduced capacity. The
# image arrives by ECR replication and the secrets by Secrets Manager replication (both
# configured in the primary region); SSM parameters do not replicate, so they are created here
# (empty, like the primary's) together with the regional key that also encrypts the secret replicas.

module "secrets" {
  source = "../secrets"

  name_prefix              = var.secrets_name_prefix
  secrets                  = {}
  parameters               = var.parameters
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
  single_nat_gateway = true # reduced capacity: one NAT until failover
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
  kms_deletion_window_days = var.compat.kms_deletion_window_days
  composite_alarms         = var.compat.composite_alarms
  tags                     = var.tags
}

module "ecs_cluster" {
  source = "../ecs_cluster"

  name                      = var.name
  private_subnet_ids        = module.network.private_subnet_ids
  security_group_ids        = [module.network.instances_security_group_id]
  min_size                  = min(1, var.desired_count)
  max_size                  = var.max_count
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
  shutdown       = var.shutdown

  container_secrets = concat(
    [for k, arn in var.replica_secret_arns : { name = var.secret_env_names[k], valueFrom = arn }],
    module.secrets.container_secrets,
  )
  secret_arns    = values(var.replica_secret_arns)
  parameter_arns = values(module.secrets.parameter_arns)
  kms_key_arns   = [module.secrets.kms_key_arn]

  ecr_repository_arn = var.ecr_repository_arn
  log_group_name     = module.observability.log_group_name
  log_group_arn      = module.observability.log_group_arn

  subnet_ids           = module.network.private_subnet_ids
  security_group_ids   = [module.network.tasks_security_group_id]
  target_group_arn     = module.alb.target_group_arn
  listener_arn         = module.alb.https_listener_arn
  desired_count        = var.desired_count
  rollback_alarm_names = [for k in ["alb_unhealthy_hosts", "target_5xx_rate", "target_p99_latency"] : module.observability.alarm_names[k]]

  release_parameters_path = var.release_parameters_path

  capacity_provider_association_id  = module.ecs_cluster.capacity_provider_association_id
  capacity_provider_strategy        = var.compat.use_capacity_provider_strategy ? [{ capacity_provider = module.ecs_cluster.capacity_provider_name, base = 1, weight = 1 }] : []
  placement_strategy                = var.compat.placement_strategy ? [{ type = "spread", field = "attribute:ecs.availability-zone" }] : []
  health_check_grace_period_seconds = var.compat.health_check_grace_period_seconds
  enable_ecs_managed_tags           = var.compat.enable_ecs_managed_tags

  autoscaling = {
    enabled       = var.compat.enable_autoscaling
    min_capacity  = max(1, var.desired_count)
    max_capacity  = var.max_count
    request_label = "${module.alb.arn_suffix}/${module.alb.target_group_arn_suffix}"
  }

  tags = var.tags
}
