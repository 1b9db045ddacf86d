locals {
  # Every service the platform uses, all pointed at the emulator.
  services = ["acm", "applicationautoscaling", "autoscaling", "cloudwatch", "cloudwatchlogs", "ec2", "ecr", "ecs", "elbv2", "events", "iam", "kms", "route53", "s3", "secretsmanager", "sns", "ssm", "sts"]
  # moto answers every account-id question with this account.
  moto_account = "123456789012"
}

# Dummy credentials on purpose: with the real ones from the environment, a service missing from
# `endpoints` would reach real AWS. allowed_account_ids stops anything that is not moto.
provider "aws" {
  region                      = var.region
  access_key                  = "test"
  secret_key                  = "test"
  allowed_account_ids         = [local.moto_account]
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  skip_requesting_account_id  = false # ECR replication and ARNs need the account id; moto's STS gives it
  s3_use_path_style           = true

  endpoints {
    acm                    = var.aws_endpoint
    applicationautoscaling = var.aws_endpoint
    autoscaling            = var.aws_endpoint
    cloudwatch             = var.aws_endpoint
    cloudwatchlogs         = var.aws_endpoint
    ec2                    = var.aws_endpoint
    ecr                    = var.aws_endpoint
    ecs                    = var.aws_endpoint
    elbv2                  = var.aws_endpoint
    events                 = var.aws_endpoint
    iam                    = var.aws_endpoint
    kms                    = var.aws_endpoint
    route53                = var.aws_endpoint
    s3                     = var.aws_endpoint
    secretsmanager         = var.aws_endpoint
    sns                    = var.aws_endpoint
    ssm                    = var.aws_endpoint
    sts                    = var.aws_endpoint
  }

  default_tags {
    tags = { ManagedBy = "terraform" }
  }
}

provider "aws" {
  alias                       = "dr"
  region                      = var.dr_region
  access_key                  = "test"
  secret_key                  = "test"
  allowed_account_ids         = [local.moto_account]
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  skip_requesting_account_id  = false
  s3_use_path_style           = true

  endpoints {
    acm                    = var.aws_endpoint
    applicationautoscaling = var.aws_endpoint
    autoscaling            = var.aws_endpoint
    cloudwatch             = var.aws_endpoint
    cloudwatchlogs         = var.aws_endpoint
    ec2                    = var.aws_endpoint
    ecr                    = var.aws_endpoint
    ecs                    = var.aws_endpoint
    elbv2                  = var.aws_endpoint
    events                 = var.aws_endpoint
    iam                    = var.aws_endpoint
    kms                    = var.aws_endpoint
    route53                = var.aws_endpoint
    s3                     = var.aws_endpoint
    secretsmanager         = var.aws_endpoint
    sns                    = var.aws_endpoint
    ssm                    = var.aws_endpoint
    sts                    = var.aws_endpoint
  }

  default_tags {
    tags = { ManagedBy = "terraform" }
  }
}

# No public DNS zone locally: the certificates are requested but not DNS-validated (moto does not
# check that a listener's certificate is issued). Production validates them in Route 53.
resource "aws_acm_certificate" "primary" {
  domain_name       = "slipway.local.test"
  validation_method = "DNS"
}

resource "aws_acm_certificate" "dr" {
  count    = var.enable_dr ? 1 : 0
  provider = aws.dr

  domain_name       = "slipway.local.test"
  validation_method = "DNS"
}

module "platform" {
  source = "../../modules/platform"

  providers = {
    aws    = aws
    aws.dr = aws.dr
  }

  environment        = "local"
  availability_zones = ["${var.region}a", "${var.region}b"]
  release            = var.release
  certificate_arn    = aws_acm_certificate.primary.arn
  github_repository  = "slipway-dev/slipway"
  log_retention_days = 7
  service = {
    min_instances = 1
    max_instances = 2
  }

  enable_dr = var.enable_dr
  dr = var.enable_dr ? {
    availability_zones = ["${var.dr_region}a", "${var.dr_region}b"]
    certificate_arn    = aws_acm_certificate.dr[0].arn
  } : null

  # What moto cannot honour; each line is explained in ../../README.md. The production modules
  # keep their defaults.
  compat = {
    use_capacity_provider_strategy    = false # moto drops the service's strategy: replacement on every plan
    placement_strategy                = false # moto drops ordered placement strategies: diff on every plan
    health_check_grace_period_seconds = 0     # moto drops it (reads back 0): diff on every plan
    enable_ecs_managed_tags           = false # moto drops it: diff on every plan
    enable_autoscaling                = var.enable_autoscaling
    force_delete                      = true # moto never terminates ASG instances; ECR repo holds no images
    wait_for_capacity_timeout         = "0"  # moto's instances never report to ECS
    deletion_protection               = false
    secrets_recovery_window_days      = 0 # recreate at once on the next apply
    kms_deletion_window_days          = 7
    secret_replica_customer_key       = false # moto ignores a replica's KMS key: diff on every plan
    composite_alarms                  = false # moto has no PutCompositeAlarm
  }
}
