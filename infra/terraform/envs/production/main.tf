provider "aws" {
  region              = var.region
  allowed_account_ids = [var.account_id]

  default_tags {
    tags = { ManagedBy = "terraform", Repository = var.github_repository }
  }
}

provider "aws" {
  alias               = "dr"
  region              = var.dr_region
  allowed_account_ids = [var.account_id]

  default_tags {
    tags = { ManagedBy = "terraform", Repository = var.github_repository }
  }
}

data "aws_route53_zone" "public" {
  name         = var.hosted_zone_name
  private_zone = false
}

# One certificate per region (ACM certificates are regional), validated by DNS in the same zone;
# both requests ask for the same name, so they share the validation records.
resource "aws_acm_certificate" "primary" {
  domain_name       = var.domain_name
  validation_method = "DNS"

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_acm_certificate" "dr" {
  count    = var.enable_dr ? 1 : 0
  provider = aws.dr

  domain_name       = var.domain_name
  validation_method = "DNS"

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_route53_record" "validation" {
  for_each = { for o in aws_acm_certificate.primary.domain_validation_options : o.domain_name => o }

  zone_id         = data.aws_route53_zone.public.zone_id
  name            = each.value.resource_record_name
  type            = each.value.resource_record_type
  records         = [each.value.resource_record_value]
  ttl             = 300
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "primary" {
  certificate_arn         = aws_acm_certificate.primary.arn
  validation_record_fqdns = [for r in aws_route53_record.validation : r.fqdn]
}

resource "aws_acm_certificate_validation" "dr" {
  count    = var.enable_dr ? 1 : 0
  provider = aws.dr

  certificate_arn         = aws_acm_certificate.dr[0].arn
  validation_record_fqdns = [for r in aws_route53_record.validation : r.fqdn]
}

module "platform" {
  source = "../../modules/platform"

  providers = {
    aws    = aws
    aws.dr = aws.dr
  }

  environment           = "production"
  availability_zones    = var.availability_zones
  release               = var.release
  certificate_arn       = aws_acm_certificate_validation.primary.certificate_arn
  github_repository     = var.github_repository
  alarm_email_addresses = var.alarm_email_addresses
  log_retention_days    = 90

  enable_dr = var.enable_dr
  dr = var.enable_dr ? {
    availability_zones = var.dr_availability_zones
    certificate_arn    = aws_acm_certificate_validation.dr[0].certificate_arn
  } : null
}

# Clients reach the primary region; Route 53 fails over to the DR ALB when the primary's
# health check fails.
resource "aws_route53_health_check" "primary" {
  fqdn              = module.platform.primary.alb_dns_name
  type              = "HTTPS"
  port              = 443
  resource_path     = "/healthz"
  failure_threshold = 3
  request_interval  = 30
}

resource "aws_route53_record" "service_primary" {
  zone_id         = data.aws_route53_zone.public.zone_id
  name            = var.domain_name
  type            = "A"
  set_identifier  = "primary"
  health_check_id = aws_route53_health_check.primary.id

  failover_routing_policy {
    type = "PRIMARY"
  }

  alias {
    name                   = module.platform.primary.alb_dns_name
    zone_id                = module.platform.primary.alb_zone_id
    evaluate_target_health = true
  }
}

resource "aws_route53_record" "service_dr" {
  count = var.enable_dr ? 1 : 0

  zone_id        = data.aws_route53_zone.public.zone_id
  name           = var.domain_name
  type           = "A"
  set_identifier = "dr"

  failover_routing_policy {
    type = "SECONDARY"
  }

  alias {
    name                   = module.platform.dr.alb_dns_name
    zone_id                = module.platform.dr.alb_zone_id
    evaluate_target_health = true
  }
}
