data "aws_region" "current" {}
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  region       = data.aws_region.current.name
  stop_timeout = var.shutdown.delay_seconds + var.shutdown.timeout_seconds + 5

  environment = merge(var.environment, {
    PORT             = tostring(var.container_port)
    SLIPWAY_RELEASE  = var.release
    SHUTDOWN_DELAY   = "${var.shutdown.delay_seconds}s"
    SHUTDOWN_TIMEOUT = "${var.shutdown.timeout_seconds}s"
  })

  execution_statements = concat(
    [
      {
        Sid      = "EcrAuthToken" # GetAuthorizationToken has no resource-level permissions
        Effect   = "Allow"
        Action   = ["ecr:GetAuthorizationToken"]
        Resource = ["*"]
      },
      {
        Sid      = "PullServiceImage"
        Effect   = "Allow"
        Action   = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
        Resource = [var.ecr_repository_arn]
      },
      {
        Sid      = "WriteServiceLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = [var.log_group_arn, "${var.log_group_arn}:log-stream:*"]
      },
    ],
    length(var.secret_arns) == 0 ? [] : [{
      Sid      = "ReadServiceSecrets"
      Effect   = "Allow"
      Action   = ["secretsmanager:GetSecretValue"]
      Resource = var.secret_arns
    }],
    length(var.parameter_arns) == 0 ? [] : [{
      Sid      = "ReadServiceParameters"
      Effect   = "Allow"
      Action   = ["ssm:GetParameters"]
      Resource = var.parameter_arns
    }],
    length(var.kms_key_arns) == 0 ? [] : [{
      Sid       = "DecryptServiceSecrets"
      Effect    = "Allow"
      Action    = ["kms:Decrypt"]
      Resource  = var.kms_key_arns
      Condition = { StringEquals = { "kms:ViaService" = ["secretsmanager.${local.region}.amazonaws.com", "ssm.${local.region}.amazonaws.com"] } }
    }],
    [for s in var.extra_execution_role_statements : { Sid = s.sid, Effect = "Allow", Action = s.actions, Resource = s.resources }],
  )

  # Guardrail (policy-as-code): no wildcard action, and no "*" resource for secrets, KMS, SSM or
  # ECS except the actions IAM offers no resource-level permissions for.
  guarded_services        = ["secretsmanager", "kms", "ssm", "ecs"]
  resource_wildcard_allow = ["ecs:DiscoverPollEndpoint", "ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition"]
  wildcard_violations = flatten([for s in local.execution_statements : [
    for a in s.Action : "${s.Sid}/${a}" if a == "*" || endswith(a, ":*") || (
      contains(local.guarded_services, split(":", a)[0]) && contains(s.Resource, "*") && !contains(local.resource_wildcard_allow, a)
    )
  ]])

  ecs_assume_role = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

# The ECS agent's role for this task: pull the image, write logs, read the injected secrets.
resource "aws_iam_role" "execution" {
  name               = "${var.name}-execution"
  assume_role_policy = local.ecs_assume_role
  tags               = var.tags
}

resource "aws_iam_role_policy" "execution" {
  name   = "pull-log-secrets"
  role   = aws_iam_role.execution.id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.execution_statements })

  lifecycle {
    precondition {
      condition     = length(local.wildcard_violations) == 0
      error_message = "IAM wildcard guardrail: ${join(", ", local.wildcard_violations)} grant(s) \"*\" on secrets/KMS/SSM/ECS."
    }
  }
}

# The role ECS assumes to shift traffic under BLUE_GREEN, LINEAR and CANARY: register tasks in
# the alternate target group and rewrite the listener rules' weights (the deploy names it in
# UpdateService's advancedConfiguration.roleArn). AWS maintains the managed policy as ECS's needs
# change ("Amazon ECS infrastructure IAM role for load balancers", ECS developer guide).
resource "aws_iam_role" "load_balancers" {
  count = var.traffic_shifting ? 1 : 0

  name = "${var.name}-ecs-load-balancers"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AllowAccessToECSForInfrastructureManagement"
      Effect    = "Allow"
      Principal = { Service = "ecs.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "load_balancers" {
  count = var.traffic_shifting ? 1 : 0

  role       = aws_iam_role.load_balancers[0].name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers"
}

# The application's own role. It needs no AWS permissions today (secrets arrive as env vars);
# a permission the service gains later is added here, scoped, not to the execution role.
resource "aws_iam_role" "task" {
  name               = "${var.name}-task"
  assume_role_policy = local.ecs_assume_role
  tags               = var.tags
}

resource "aws_ecs_task_definition" "this" {
  family                   = var.name
  network_mode             = "awsvpc"
  requires_compatibilities = ["EC2"]
  cpu                      = tostring(var.cpu)
  memory                   = tostring(var.memory)
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  container_definitions = jsonencode([{
    name                   = var.container_name
    image                  = var.image
    essential              = true
    user                   = var.container_user
    readonlyRootFilesystem = true
    stopTimeout            = local.stop_timeout
    portMappings           = [{ containerPort = var.container_port, protocol = "tcp" }]
    environment            = [for k in sort(keys(local.environment)) : { name = k, value = local.environment[k] }]
    secrets                = var.container_secrets
    linuxParameters        = { capabilities = { drop = ["ALL"] } }
    ulimits                = [{ name = "nofile", softLimit = 65536, hardLimit = 65536 }]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = var.log_group_name
        awslogs-region        = local.region
        awslogs-stream-prefix = "service"
        mode                  = "non-blocking"
        max-buffer-size       = "25m"
      }
    }
  }])

  # Earlier revisions stay registered: they are what `slipway rollback` returns to.
  skip_destroy = true
  tags         = var.tags

  lifecycle {
    postcondition {
      condition     = alltrue([for c in jsondecode(self.container_definitions) : try(c.user != "root" && split(":", c.user)[0] != "0", false) && c.readonlyRootFilesystem])
      error_message = "Every container must run as a non-root user on a read-only root filesystem."
    }
  }
}

resource "aws_ecs_service" "this" {
  name                               = var.name
  cluster                            = var.cluster_arn
  task_definition                    = aws_ecs_task_definition.this.arn
  desired_count                      = var.desired_count
  launch_type                        = length(var.capacity_provider_strategy) == 0 ? "EC2" : null
  deployment_minimum_healthy_percent = var.deployment.minimum_healthy_percent
  deployment_maximum_percent         = var.deployment.maximum_percent
  health_check_grace_period_seconds  = var.health_check_grace_period_seconds
  enable_ecs_managed_tags            = var.enable_ecs_managed_tags
  propagate_tags                     = "SERVICE"
  enable_execute_command             = false
  wait_for_steady_state              = false

  deployment_circuit_breaker {
    enable   = var.deployment.circuit_breaker.enable
    rollback = var.deployment.circuit_breaker.rollback
  }

  dynamic "alarms" {
    for_each = length(var.rollback_alarm_names) > 0 ? [1] : []
    content {
      alarm_names = var.rollback_alarm_names
      enable      = true
      rollback    = var.deployment.alarm_rollback
    }
  }

  dynamic "capacity_provider_strategy" {
    for_each = var.capacity_provider_strategy
    content {
      capacity_provider = capacity_provider_strategy.value.capacity_provider
      base              = capacity_provider_strategy.value.base
      weight            = capacity_provider_strategy.value.weight
    }
  }

  dynamic "ordered_placement_strategy" {
    for_each = var.placement_strategy
    content {
      type  = ordered_placement_strategy.value.type
      field = ordered_placement_strategy.value.field
    }
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = var.security_group_ids
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = var.target_group_arn
    container_name   = var.container_name
    container_port   = var.container_port
  }

  tags = var.tags

  lifecycle {
    # After the first apply the deploy tool (slipway deploy/rollback) registers revisions and
    # points the service at them, and autoscaling sets the count: Terraform must not revert either.
    ignore_changes = [task_definition, desired_count]

    postcondition {
      condition     = self.deployment_circuit_breaker[0].enable && self.deployment_circuit_breaker[0].rollback
      error_message = "The deployment circuit breaker must be enabled with rollback."
    }

    # The two first-apply races. Referencing the listener and the association here makes the
    # service wait for both (a reference in a condition is a dependency), and refuses a plan
    # that does not name them.
    precondition {
      condition     = var.listener_arn != null
      error_message = "Set listener_arn (alb module's https_listener_arn): ECS refuses a service whose target group no listener uses yet."
    }
    precondition {
      condition     = length(var.capacity_provider_strategy) == 0 || var.capacity_provider_association_id != null
      error_message = "Set capacity_provider_association_id (ecs_cluster output) with capacity_provider_strategy: ECS refuses a capacity provider not yet associated with the cluster."
    }
  }
}

# ---------------------------------------------------------------------------------------------
# Application Auto Scaling: target tracking on CPU, memory and requests per target.
# ---------------------------------------------------------------------------------------------

resource "aws_appautoscaling_target" "this" {
  count = var.autoscaling.enabled ? 1 : 0

  service_namespace  = "ecs"
  resource_id        = "service/${var.cluster_name}/${aws_ecs_service.this.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.autoscaling.min_capacity
  max_capacity       = var.autoscaling.max_capacity
  tags               = var.tags
}

locals {
  scaling_policies = var.autoscaling.enabled ? merge(
    {
      cpu    = { metric = "ECSServiceAverageCPUUtilization", target = var.autoscaling.cpu_target, label = null }
      memory = { metric = "ECSServiceAverageMemoryUtilization", target = var.autoscaling.memory_target, label = null }
    },
    var.autoscaling.request_label == null ? {} : {
      requests = { metric = "ALBRequestCountPerTarget", target = var.autoscaling.requests_per_target, label = var.autoscaling.request_label }
    },
  ) : {}
}

resource "aws_appautoscaling_policy" "this" {
  for_each = local.scaling_policies

  name               = "${var.name}-${each.key}"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this[0].service_namespace
  resource_id        = aws_appautoscaling_target.this[0].resource_id
  scalable_dimension = aws_appautoscaling_target.this[0].scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = each.value.target
    scale_in_cooldown  = var.autoscaling.scale_in_cooldown
    scale_out_cooldown = var.autoscaling.scale_out_cooldown

    predefined_metric_specification {
      predefined_metric_type = each.value.metric
      resource_label         = each.value.label
    }
  }
}

# ---------------------------------------------------------------------------------------------
# What a release needs to know, published where CI reads it without Terraform's state: one SSM
# path, read with GetParametersByPath page by page. Each name is a ${VAR} of deploy/taskdef.json
# or deploy/service.json (the traffic-shifting ARNs of BLUE_GREEN, LINEAR and CANARY);
# scripts/release.sh turns them into `slipway --var NAME=VALUE`.
# ---------------------------------------------------------------------------------------------

locals {
  release_parameters = var.release_parameters_path == null ? {} : merge(
    {
      CLUSTER            = var.cluster_name
      SERVICE            = var.name # also the task definition family
      LOG_GROUP          = var.log_group_name
      EXECUTION_ROLE_ARN = aws_iam_role.execution.arn
      TASK_ROLE_ARN      = aws_iam_role.task.arn
      IMAGE_REPOSITORY   = regex("^(.*):[^:/]+$", var.image)[0]
      SHUTDOWN_DELAY     = "${var.shutdown.delay_seconds}s"
      SHUTDOWN_TIMEOUT   = "${var.shutdown.timeout_seconds}s"
      TARGET_GROUP_ARN   = var.target_group_arn
      CONTAINER_NAME     = var.container_name
      APP_PORT           = tostring(var.container_port)
    },
    var.traffic_shifting ? { LOAD_BALANCER_INFRASTRUCTURE_ROLE_ARN = aws_iam_role.load_balancers[0].arn } : {},
    var.extra_release_parameters,
    { for s in var.container_secrets : "${s.name}_FROM" => s.valueFrom },
  )
}

resource "aws_ssm_parameter" "release" {
  for_each = local.release_parameters

  name        = "${var.release_parameters_path}/${each.key}"
  description = "Read by scripts/release.sh: the ${each.key} of every revision slipway registers (not a secret)."
  type        = "String"
  value       = each.value
  tags        = var.tags
}
