data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

# The ELB account of the region writes the access logs (regions opened before August 2022 use
# this principal; newer ones also accept logdelivery.elasticloadbalancing.amazonaws.com).
data "aws_elb_service_account" "current" {}

resource "aws_lb" "this" {
  name                       = var.name
  load_balancer_type         = "application"
  internal                   = false
  subnets                    = var.public_subnet_ids
  security_groups            = [var.security_group_id]
  idle_timeout               = var.idle_timeout_seconds
  drop_invalid_header_fields = true
  enable_deletion_protection = var.enable_deletion_protection

  dynamic "access_logs" {
    for_each = var.enable_access_logs ? [1] : []
    content {
      bucket  = aws_s3_bucket.access_logs[0].id
      prefix  = var.name
      enabled = true
    }
  }

  tags       = var.tags
  depends_on = [aws_s3_bucket_policy.access_logs]
}

resource "aws_lb_target_group" "this" {
  name                 = var.name
  vpc_id               = var.vpc_id
  target_type          = "ip" # awsvpc tasks register their ENI address
  protocol             = "HTTP"
  port                 = var.app_port
  deregistration_delay = var.deregistration_delay_seconds

  health_check {
    enabled             = true
    protocol            = "HTTP"
    port                = "traffic-port"
    path                = var.health_check.path
    interval            = var.health_check.interval
    timeout             = var.health_check.timeout
    healthy_threshold   = var.health_check.healthy_threshold
    unhealthy_threshold = var.health_check.unhealthy_threshold
    matcher             = var.health_check.matcher
  }

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"
    redirect {
      protocol    = "HTTPS"
      port        = "443"
      status_code = "HTTP_301"
    }
  }

  tags = var.tags
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = var.ssl_policy
  certificate_arn   = var.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this.arn
  }

  tags = var.tags
}

# ---------------------------------------------------------------------------------------------
# Access logs. ALB log delivery supports SSE-S3 only (not SSE-KMS), hence AES256 here.
# ---------------------------------------------------------------------------------------------

resource "aws_s3_bucket" "access_logs" {
  count = var.enable_access_logs ? 1 : 0

  bucket        = "${var.name}-alb-logs-${data.aws_caller_identity.current.account_id}-${data.aws_region.current.name}"
  force_destroy = !var.enable_deletion_protection
  tags          = var.tags
}

resource "aws_s3_bucket_public_access_block" "access_logs" {
  count = var.enable_access_logs ? 1 : 0

  bucket                  = aws_s3_bucket.access_logs[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "access_logs" {
  count = var.enable_access_logs ? 1 : 0

  bucket = aws_s3_bucket.access_logs[0].id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "access_logs" {
  count = var.enable_access_logs ? 1 : 0

  bucket = aws_s3_bucket.access_logs[0].id
  rule {
    id     = "expire-access-logs"
    status = "Enabled"
    filter {}
    expiration {
      days = var.access_log_retention_days
    }
  }
}

resource "aws_s3_bucket_policy" "access_logs" {
  count = var.enable_access_logs ? 1 : 0

  bucket = aws_s3_bucket.access_logs[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "ElbLogDelivery"
        Effect    = "Allow"
        Principal = { AWS = data.aws_elb_service_account.current.arn }
        Action    = "s3:PutObject"
        Resource  = "${aws_s3_bucket.access_logs[0].arn}/${var.name}/AWSLogs/${data.aws_caller_identity.current.account_id}/*"
      },
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [aws_s3_bucket.access_logs[0].arn, "${aws_s3_bucket.access_logs[0].arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  })

  depends_on = [aws_s3_bucket_public_access_block.access_logs]
}

# ---------------------------------------------------------------------------------------------
# Traffic shifting for ECS's BLUE_GREEN, LINEAR and CANARY strategies: a second target group and
# listener rules that forward to both groups by weight. ECS registers the new revision's tasks in
# the group not serving and rewrites the rules' weights as the deployment goes (with the role the
# ecs_service module creates), so Terraform sets only the starting weights and then leaves the
# action alone. The provider pinned here (5.x) cannot name these in the service's
# advancedConfiguration; the deploy sends them (docs/strategies.md, "Terraform").
# ---------------------------------------------------------------------------------------------

locals {
  shifting = var.traffic_shifting.enabled
}

resource "aws_lb_target_group" "alternate" {
  count = local.shifting ? 1 : 0

  name                 = "${var.name}-alt"
  vpc_id               = var.vpc_id
  target_type          = "ip"
  protocol             = "HTTP"
  port                 = var.app_port
  deregistration_delay = var.deregistration_delay_seconds

  # The same checks as the primary group: a task is judged alike in either.
  health_check {
    enabled             = true
    protocol            = "HTTP"
    port                = "traffic-port"
    path                = var.health_check.path
    interval            = var.health_check.interval
    timeout             = var.health_check.timeout
    healthy_threshold   = var.health_check.healthy_threshold
    unhealthy_threshold = var.health_check.unhealthy_threshold
    matcher             = var.health_check.matcher
  }

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

# Production traffic: every path, all of it to the primary group until ECS shifts it.
resource "aws_lb_listener_rule" "production" {
  count = local.shifting ? 1 : 0

  listener_arn = aws_lb_listener.https.arn
  priority     = var.traffic_shifting.production_rule_priority

  action {
    type = "forward"
    forward {
      target_group {
        arn    = aws_lb_target_group.this.arn
        weight = 100
      }
      target_group {
        arn    = aws_lb_target_group.alternate[0].arn
        weight = 0
      }
    }
  }

  condition {
    path_pattern {
      values = ["/*"]
    }
  }

  tags = var.tags

  lifecycle {
    # ECS owns the weights once a deployment ran.
    ignore_changes = [action]
  }
}

# Test traffic (ECS's TEST_TRAFFIC_SHIFT): requests carrying the configured header reach the new
# revision before production does. A rule on the HTTPS listener, not a listener of its own, so
# the ALB's security group keeps accepting 80 and 443 only; whoever knows the header value
# reaches the new revision early, so choose one that is not guessable.
resource "aws_lb_listener_rule" "test" {
  count = local.shifting && var.traffic_shifting.test_header != null ? 1 : 0

  listener_arn = aws_lb_listener.https.arn
  priority     = var.traffic_shifting.test_rule_priority

  action {
    type = "forward"
    forward {
      target_group {
        arn    = aws_lb_target_group.this.arn
        weight = 100
      }
      target_group {
        arn    = aws_lb_target_group.alternate[0].arn
        weight = 0
      }
    }
  }

  condition {
    http_header {
      http_header_name = var.traffic_shifting.test_header.name
      values           = var.traffic_shifting.test_header.values
    }
  }

  tags = var.tags

  lifecycle {
    ignore_changes = [action]
  }
}
