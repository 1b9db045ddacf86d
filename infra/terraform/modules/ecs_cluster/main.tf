data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

data "aws_ssm_parameter" "ami" {
  count = var.ami_id == null ? 1 : 0
  name  = var.ami_ssm_parameter
}

locals {
  ami_id          = var.ami_id != null ? var.ami_id : nonsensitive(data.aws_ssm_parameter.ami[0].value)
  arn_prefix      = "arn:${data.aws_partition.current.partition}:ecs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}"
  cluster_arn     = "${local.arn_prefix}:cluster/${var.name}"
  instances_scope = "${local.arn_prefix}:container-instance/${var.name}/*"

  # What the ECS agent needs, scoped to this cluster. The AWS-managed
  # AmazonEC2ContainerServiceforEC2Role grants the same actions on "*"; this is the narrow copy.
  instance_statements = [
    {
      Sid      = "RegisterWithThisCluster"
      Effect   = "Allow"
      Action   = ["ecs:RegisterContainerInstance", "ecs:DeregisterContainerInstance", "ecs:SubmitContainerStateChange", "ecs:SubmitTaskStateChange", "ecs:SubmitAttachmentStateChanges", "ecs:UpdateContainerInstancesState"]
      Resource = [local.cluster_arn]
    },
    {
      Sid      = "PollAsThisClustersInstances"
      Effect   = "Allow"
      Action   = ["ecs:Poll", "ecs:StartTelemetrySession", "ecs:PutSystemLogEvents"]
      Resource = [local.instances_scope]
    },
    {
      # DiscoverPollEndpoint has no resource-level permissions in IAM: "*" is the only form.
      Sid      = "DiscoverPollEndpoint"
      Effect   = "Allow"
      Action   = ["ecs:DiscoverPollEndpoint"]
      Resource = ["*"]
    },
    {
      Sid      = "EcrAuthToken"
      Effect   = "Allow"
      Action   = ["ecr:GetAuthorizationToken"]
      Resource = ["*"]
    },
    {
      Sid      = "PullServiceImages"
      Effect   = "Allow"
      Action   = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
      Resource = var.ecr_repository_arns
    },
    {
      Sid      = "WriteServiceLogs"
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = flatten([for g in var.log_group_arns : [g, "${g}:log-stream:*"]])
    },
  ]

  # Guardrail (policy-as-code): no wildcard action, and no "*" resource for secrets, KMS, SSM or
  # ECS except the actions IAM offers no resource-level permissions for.
  guarded_services        = ["secretsmanager", "kms", "ssm", "ecs"]
  resource_wildcard_allow = ["ecs:DiscoverPollEndpoint", "ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition"]
  wildcard_violations = flatten([for s in local.instance_statements : [
    for a in s.Action : "${s.Sid}/${a}" if a == "*" || endswith(a, ":*") || (
      contains(local.guarded_services, split(":", a)[0]) && contains(s.Resource, "*") && !contains(local.resource_wildcard_allow, a)
    )
  ]])
}

resource "aws_iam_role" "instance" {
  name = "${var.name}-instance"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "instance" {
  name   = "ecs-agent"
  role   = aws_iam_role.instance.id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.instance_statements })

  lifecycle {
    precondition {
      condition     = length(local.wildcard_violations) == 0
      error_message = "IAM wildcard guardrail: ${join(", ", local.wildcard_violations)} grant(s) \"*\" on secrets/KMS/SSM/ECS."
    }
  }
}

resource "aws_iam_instance_profile" "instance" {
  name = "${var.name}-instance"
  role = aws_iam_role.instance.name
  tags = var.tags
}

resource "aws_launch_template" "this" {
  name_prefix            = "${var.name}-"
  image_id               = local.ami_id
  instance_type          = var.instance_type
  vpc_security_group_ids = var.security_group_ids
  update_default_version = true

  iam_instance_profile {
    arn = aws_iam_instance_profile.instance.arn
  }

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = var.instance_metadata.http_tokens
    http_put_response_hop_limit = var.instance_metadata.http_put_response_hop_limit
    instance_metadata_tags      = "disabled"
  }

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size           = var.root_volume.size_gb
      volume_type           = var.root_volume.type
      encrypted             = var.root_volume.encrypted
      kms_key_id            = var.root_volume.kms_key_arn
      delete_on_termination = true
    }
  }

  monitoring {
    enabled = true
  }

  # ECS agent settings: join this cluster; keep awsvpc tasks away from the instance metadata
  # (and so from the instance role's credentials).
  user_data = base64encode(<<-EOT
    #!/bin/bash
    cat >>/etc/ecs/ecs.config <<'CONFIG'
    ECS_CLUSTER=${var.name}
    ECS_AWSVPC_BLOCK_IMDS=true
    ECS_ENABLE_TASK_IAM_ROLE=true
    ECS_ENABLE_CONTAINER_METADATA=true
    ECS_CONTAINER_STOP_TIMEOUT=2m
    CONFIG
  EOT
  )

  tag_specifications {
    resource_type = "instance"
    tags          = merge(var.tags, { Name = "${var.name}-instance" })
  }

  tag_specifications {
    resource_type = "volume"
    tags          = merge(var.tags, { Name = "${var.name}-instance" })
  }

  tags = var.tags

  lifecycle {
    # Guards the resource itself, not only the variables: a literal edited in here fails too.
    postcondition {
      condition     = self.metadata_options[0].http_tokens == "required"
      error_message = "Container instances must require IMDSv2 (http_tokens = required)."
    }
    postcondition {
      condition     = alltrue([for b in self.block_device_mappings : alltrue([for e in b.ebs : e.encrypted == "true"])])
      error_message = "Container instance volumes must be encrypted."
    }
  }
}

resource "aws_autoscaling_group" "this" {
  name                      = var.name
  vpc_zone_identifier       = var.private_subnet_ids
  min_size                  = var.min_size
  max_size                  = var.max_size
  health_check_type         = "EC2"
  health_check_grace_period = 120
  protect_from_scale_in     = true # required by the capacity provider's managed termination protection
  force_delete              = var.force_delete
  wait_for_capacity_timeout = var.wait_for_capacity_timeout

  launch_template {
    id      = aws_launch_template.this.id
    version = "$Latest"
  }

  tag {
    key                 = "AmazonECSManaged" # lets the capacity provider manage the group
    value               = "true"
    propagate_at_launch = true
  }

  dynamic "tag" {
    for_each = var.tags
    content {
      key                 = tag.key
      value               = tag.value
      propagate_at_launch = true
    }
  }

  lifecycle {
    # managed scaling owns the desired capacity
    ignore_changes = [desired_capacity]
  }
}

resource "aws_ecs_capacity_provider" "this" {
  name = var.name

  auto_scaling_group_provider {
    auto_scaling_group_arn         = aws_autoscaling_group.this.arn
    managed_termination_protection = "ENABLED"

    managed_scaling {
      status                    = "ENABLED"
      target_capacity           = var.managed_scaling_target_capacity
      minimum_scaling_step_size = 1
      maximum_scaling_step_size = 2
    }
  }

  tags = var.tags
}

resource "aws_ecs_cluster" "this" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = var.container_insights
  }

  tags = var.tags
}

resource "aws_ecs_cluster_capacity_providers" "this" {
  cluster_name       = aws_ecs_cluster.this.name
  capacity_providers = [aws_ecs_capacity_provider.this.name]

  default_capacity_provider_strategy {
    capacity_provider = aws_ecs_capacity_provider.this.name
    base              = 1
    weight            = 1
  }
}
