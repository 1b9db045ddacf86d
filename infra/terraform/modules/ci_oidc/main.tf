
locals {
  github_host       = "token.actions.githubusercontent.com"
  oidc_provider_arn = var.create_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : var.oidc_provider_arn

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
        # The DR region's replica of the repository: `slipway ecs deploy` checks the image there.
        Sid      = "ReadReplicaRepositories"
        Effect   = "Allow"
        Action   = ["ecr:DescribeImages"]
        Resource = concat([var.ecr_repository_arn], var.ecr_replica_repository_arns)
      },
      {
        # IAM offers no resource-level permissions for these: what a registered revision may do is
        # bounded by PassRole below, and which revisions are deregistered by slipway's cleanup
        # rules (never one in use, never the last good releases).
        Sid      = "ReadAndRetireRevisions"
        Effect   = "Allow"
        Action   = ["ecs:DescribeTaskDefinition", "ecs:ListTaskDefinitions", "ecs:DeregisterTaskDefinition"]
        Resource = ["*"]
      },
      {
        # Registering with tags is also ecs:TagResource (ecs:CreateAction = RegisterTaskDefinition);
        # the outcome tags of a release are added after it ran (no CreateAction).
        Sid      = "RegisterAndTagOwnRevisions"
        Effect   = "Allow"
        Action   = ["ecs:RegisterTaskDefinition", "ecs:TagResource"]
        Resource = [for f in var.task_family_arns : "${f}:*"]
      },
      {
        # The service lock of a deploy or rollback is a tag on the service.
        Sid      = "UpdateAndLockThisService"
        Effect   = "Allow"
        Action   = ["ecs:UpdateService", "ecs:DescribeServices", "ecs:ListTagsForResource", "ecs:TagResource", "ecs:UntagResource"]
        Resource = var.service_arns
      },
      {
        # BLUE_GREEN, LINEAR and CANARY (deploy/service.json's strategy): follow the service
        # deployment and roll it back. Describe and Stop require both the service and the
        # service-deployment resource types (Service Authorization Reference).
        Sid    = "FollowServiceDeployments"
        Effect = "Allow"
        Action = ["ecs:ListServiceDeployments", "ecs:DescribeServiceDeployments", "ecs:StopServiceDeployment"]
        Resource = concat(var.service_arns, [
          for s in var.service_arns : "${replace(s, ":service/", ":service-deployment/")}/*"
        ])
      },
      {
        Sid    = "WatchTasks"
        Effect = "Allow"
        Action = ["ecs:ListTasks", "ecs:DescribeTasks"]
        Resource = flatten([for c in var.cluster_arns : [
          "${replace(c, ":cluster/", ":task/")}/*", "${replace(c, ":cluster/", ":container-instance/")}/*"
        ]])
      },
      {
        Sid       = "PassOnlyTheServiceRoles"
        Effect    = "Allow"
        Action    = ["iam:PassRole"]
        Resource  = var.pass_role_arns
        Condition = { StringEquals = { "iam:PassedToService" = "ecs-tasks.amazonaws.com" } }
      },
      {
        # `slipway ecs verify`: may the execution role read every secret of the release?
        Sid      = "ReadExecutionRolePolicies"
        Effect   = "Allow"
        Action   = ["iam:ListRolePolicies", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies"]
        Resource = var.execution_role_arns
      },
      {
        Sid      = "TailServiceLogs"
        Effect   = "Allow"
        Action   = ["logs:FilterLogEvents"]
        Resource = flatten([for g in var.log_group_arns : [g, "${g}:log-stream:*"]])
      },
      {
        # `slipway ecs verify` checks the log group exists; DescribeLogGroups has no
        # resource-level permissions.
        Sid      = "FindLogGroups"
        Effect   = "Allow"
        Action   = ["logs:DescribeLogGroups"]
        Resource = ["*"]
      },
      {
        Sid      = "ReadTargetHealth" # Describe* of ELBv2 has no resource-level permissions
        Effect   = "Allow"
        Action   = ["elasticloadbalancing:DescribeTargetHealth"]
        Resource = ["*"]
      },
    ],
    length(var.secret_arns) == 0 ? [] : [{
      # --pin-secret-versions reads which version is current; never the value.
      Sid      = "PinSecretVersions"
      Effect   = "Allow"
      Action   = ["secretsmanager:DescribeSecret"]
      Resource = var.secret_arns
    }],
    length(var.secret_parameter_arns) == 0 ? [] : [{
      # status and refresh compare each task's parameter version with the latest. No
      # kms:Decrypt is granted, so a SecureString's value stays unreadable to this role.
      Sid      = "ReadSecretParameterVersions"
      Effect   = "Allow"
      Action   = ["ssm:GetParameters"]
      Resource = var.secret_parameter_arns
    }],
    length(var.load_balancer_role_arns) == 0 ? [] : [{
      # BLUE_GREEN, LINEAR and CANARY: UpdateService names, in each load balancer's
      # advancedConfiguration, the role ECS assumes to rewrite the listener rules. Passing it is
      # iam:PassRole to ECS itself (not to its tasks).
      Sid       = "PassTheLoadBalancerRoleToEcs"
      Effect    = "Allow"
      Action    = ["iam:PassRole"]
      Resource  = var.load_balancer_role_arns
      Condition = { StringEquals = { "iam:PassedToService" = "ecs.amazonaws.com" } }
    }],
    length(var.release_parameter_path_arns) == 0 ? [] : [{
      # scripts/release.sh learns the release's names and ARNs from the path Terraform wrote.
      Sid      = "ReadReleaseParameters"
      Effect   = "Allow"
      Action   = ["ssm:GetParametersByPath"]
      Resource = var.release_parameter_path_arns
    }],
    length(var.alarm_arns) == 0 ? [] : [{
      Sid      = "WatchAlarms"
      Effect   = "Allow"
      Action   = ["cloudwatch:DescribeAlarms"]
      Resource = var.alarm_arns
    }],
    [for s in var.extra_statements : { Sid = s.sid, Effect = "Allow", Action = s.actions, Resource = s.resources }],
  )

  guarded_services        = ["secretsmanager", "kms", "ssm", "ecs"]
  resource_wildcard_allow = ["ecs:DiscoverPollEndpoint", "ecs:DescribeTaskDefinition", "ecs:ListTaskDefinitions", "ecs:DeregisterTaskDefinition"]
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
      # A job that names an environment gets sub = repo:OWNER/REPO:environment:NAME, whatever
      # branch it runs on; the environment's protection rules (required reviewers, allowed
      # branches) decide who reaches it. Branch pushes and pull requests get other subs: denied.
      Sid       = "GitHubActionsInTheDeployEnvironmentOnly"
      Effect    = "Allow"
      Principal = { Federated = local.oidc_provider_arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = {
          "${local.github_host}:aud" = "sts.amazonaws.com"
          "${local.github_host}:sub" = "repo:${var.github_repository}:environment:${var.github_environment}"
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
