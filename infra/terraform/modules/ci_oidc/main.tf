data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  github_host       = "token.actions.githubusercontent.com"
  oidc_provider_arn = var.create_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : var.oidc_provider_arn
  ecs_prefix        = "arn:${data.aws_partition.current.partition}:ecs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}"

  statements = concat(
    [
      {
        Sid      = "EcrAuthToken" # no resource-level permissions for this action
        Effect   = "Allow"
        Action   = ["ecr:GetAuthorizationToken"]
        Resource = ["*"]
      },
      {
        Sid      = "PushToThisRepository"
        Effect   = "Allow"
        Action   = ["ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage", "ecr:BatchGetImage", "ecr:DescribeImages"]
        Resource = [var.ecr_repository_arn]
      },
      {
        # RegisterTaskDefinition and DescribeTaskDefinition support no resource-level
        # permissions in IAM; what the registered revision may do is bounded by PassRole below.
        Sid      = "RegisterRevisions"
        Effect   = "Allow"
        Action   = ["ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition"]
        Resource = ["*"]
      },
      {
        Sid       = "TagOwnRevisions"
        Effect    = "Allow"
        Action    = ["ecs:TagResource"]
        Resource  = ["${local.ecs_prefix}:task-definition/${var.task_family}:*"]
        Condition = { StringEquals = { "ecs:CreateAction" = "RegisterTaskDefinition" } }
      },
      {
        Sid      = "UpdateThisService"
        Effect   = "Allow"
        Action   = ["ecs:UpdateService", "ecs:DescribeServices"]
        Resource = var.service_arns
      },
      {
        Sid      = "WatchTasks"
        Effect   = "Allow"
        Action   = ["ecs:ListTasks", "ecs:DescribeTasks"]
        Resource = ["${local.ecs_prefix}:task/${var.cluster_name}/*", "${local.ecs_prefix}:container-instance/${var.cluster_name}/*"]
      },
      {
        Sid       = "PassOnlyTheServiceRoles"
        Effect    = "Allow"
        Action    = ["iam:PassRole"]
        Resource  = var.pass_role_arns
        Condition = { StringEquals = { "iam:PassedToService" = "ecs-tasks.amazonaws.com" } }
      },
      {
        Sid      = "TailServiceLogs"
        Effect   = "Allow"
        Action   = ["logs:FilterLogEvents", "logs:GetLogEvents", "logs:DescribeLogStreams"]
        Resource = [var.log_group_arn, "${var.log_group_arn}:log-stream:*"]
      },
      {
        Sid      = "ReadTargetHealth" # Describe* of ELBv2 has no resource-level permissions
        Effect   = "Allow"
        Action   = ["elasticloadbalancing:DescribeTargetHealth"]
        Resource = ["*"]
      },
    ],
    length(var.alarm_arns) == 0 ? [] : [{
      Sid      = "WatchAlarms"
      Effect   = "Allow"
      Action   = ["cloudwatch:DescribeAlarms"]
      Resource = var.alarm_arns
    }],
    [for s in var.extra_statements : { Sid = s.sid, Effect = "Allow", Action = s.actions, Resource = s.resources }],
  )

  guarded_services        = ["secretsmanager", "kms", "ssm", "ecs"]
  resource_wildcard_allow = ["ecs:DiscoverPollEndpoint", "ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition"]
  wildcard_violations = flatten([for s in local.statements : [
    for a in s.Action : "${s.Sid}/${a}" if a == "*" || endswith(a, ":*") || (
      contains(local.guarded_services, split(":", a)[0]) && contains(s.Resource, "*") && !contains(local.resource_wildcard_allow, a)
    )
  ]])
}

resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_oidc_provider ? 1 : 0

  url            = "https://${local.github_host}"
  client_id_list = ["sts.amazonaws.com"]
  # AWS validates GitHub's tokens against its trusted root CAs; the thumbprint is kept for
  # partitions that still check it.
  thumbprint_list = ["6938fd4d98bab03faadb97b34396831e3780aea1", "1c58a3a8518e8759bf075b76b750d4f2df264fcd"]
  tags            = var.tags
}

resource "aws_iam_role" "this" {
  name                 = var.name
  max_session_duration = 3600
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "GitHubActionsOnTheAllowedRefOnly"
      Effect    = "Allow"
      Principal = { Federated = local.oidc_provider_arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = {
          "${local.github_host}:aud" = "sts.amazonaws.com"
          "${local.github_host}:sub" = "repo:${var.github_repository}:ref:${var.allowed_ref}"
        }
      }
    }]
  })
  tags = var.tags

  lifecycle {
    precondition {
      condition     = local.oidc_provider_arn != null
      error_message = "Set oidc_provider_arn when create_oidc_provider is false."
    }
  }
}

resource "aws_iam_role_policy" "this" {
  name   = "deploy"
  role   = aws_iam_role.this.id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.statements })

  lifecycle {
    precondition {
      condition     = length(local.wildcard_violations) == 0
      error_message = "IAM wildcard guardrail: ${join(", ", local.wildcard_violations)} grant(s) \"*\" on secrets/KMS/SSM/ECS."
    }
  }
}
