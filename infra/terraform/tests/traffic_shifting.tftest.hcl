# Rule: BLUE_GREEN, LINEAR and CANARY have what ECS needs to shift traffic behind the ALB — a
# second target group checked like the first, listener rules that start with all traffic on the
# primary group, and a role only ECS may assume — and the deploy role may pass that role to ECS
# and to nothing else (tests/integration/ecs_progressive_deploy_test.py judges the same policy
# with a real IAM evaluator against the UpdateService slipway sends).

mock_provider "aws" {
  override_during = plan

  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_elb_service_account" {
    defaults = { arn = "arn:aws:iam::156460612806:root" }
  }
  mock_data "aws_ssm_parameter" {
    defaults = { value = "ami-0123456789abcdef0", insecure_value = "ami-0123456789abcdef0" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mocked" }
  }
  mock_resource "aws_iam_openid_connect_provider" {
    defaults = { arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
  }
  mock_resource "aws_ecs_task_definition" {
    defaults = { arn = "arn:aws:ecs:eu-west-1:123456789012:task-definition/slipway-test:1" }
  }
  mock_resource "aws_lb_target_group" {
    defaults = { arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/mocked/0123456789abcdef" }
  }
}

variables {
  # alb
  name              = "slipway-test"
  vpc_id            = "vpc-1"
  public_subnet_ids = ["subnet-1", "subnet-2"]
  security_group_id = "sg-1"
  certificate_arn   = "arn:aws:acm:eu-west-1:123456789012:certificate/0123abcd-0123-4567-89ab-0123456789ab"

  # ecs_service
  cluster_name       = "slipway-test"
  cluster_arn        = "arn:aws:ecs:eu-west-1:123456789012:cluster/slipway-test"
  image              = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/slipway:0123456789abcdef0123456789abcdef01234567"
  release            = "0123456789abcdef0123456789abcdef01234567"
  secret_arns        = []
  parameter_arns     = []
  kms_key_arns       = []
  container_secrets  = []
  ecr_repository_arn = "arn:aws:ecr:eu-west-1:123456789012:repository/slipway"
  log_group_name     = "/ecs/slipway-test/service"
  log_group_arn      = "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/slipway-test/service"
  subnet_ids         = ["subnet-1", "subnet-2"]
  security_group_ids = ["sg-1"]
  target_group_arn   = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/slipway-test/0123456789abcdef"
  listener_arn       = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/slipway-test/0123456789abcdef/fedcba9876543210"

  # ci_oidc
  github_repository = "example/slipway"
  service_arns      = ["arn:aws:ecs:eu-west-1:123456789012:service/slipway-test/slipway-test"]
  task_family_arns  = ["arn:aws:ecs:eu-west-1:123456789012:task-definition/slipway-test"]
  cluster_arns      = ["arn:aws:ecs:eu-west-1:123456789012:cluster/slipway-test"]
  pass_role_arns    = ["arn:aws:iam::123456789012:role/slipway-test-execution"]
  log_group_arns    = ["arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/slipway-test/service"]
}

run "two_target_groups_and_rules_that_start_on_the_primary" {
  command = plan

  module {
    source = "./modules/alb"
  }

  variables {
    traffic_shifting = { test_header = { name = "x-slipway-test", values = ["a-long-unguessable-value"] } }
  }

  override_resource {
    target          = aws_lb_target_group.alternate[0]
    override_during = plan
    values          = { arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/slipway-test-alt/fedcba9876543210" }
  }

  assert {
    condition     = aws_lb_target_group.alternate[0].health_check[0].path == aws_lb_target_group.this.health_check[0].path && aws_lb_target_group.alternate[0].port == aws_lb_target_group.this.port && aws_lb_target_group.alternate[0].target_type == "ip"
    error_message = "The alternate target group must check and reach tasks as the primary does."
  }

  assert {
    condition = { for g in aws_lb_listener_rule.production[0].action[0].forward[0].target_group : g.arn => g.weight } == {
      (aws_lb_target_group.this.arn)         = 100
      (aws_lb_target_group.alternate[0].arn) = 0
    }
    error_message = "The production rule must start with all traffic on the primary target group."
  }

  assert {
    condition     = flatten([for c in aws_lb_listener_rule.production[0].condition : [for p in c.path_pattern : tolist(p.values)]]) == ["/*"] && aws_lb_listener_rule.production[0].priority == 50000
    error_message = "The production rule must match every path, last."
  }

  assert {
    condition     = flatten([for c in aws_lb_listener_rule.test[0].condition : [for h in c.http_header : h.http_header_name]]) == ["x-slipway-test"] && aws_lb_listener_rule.test[0].priority < aws_lb_listener_rule.production[0].priority
    error_message = "The test rule must match the configured header before the production rule."
  }
}

run "no_test_route_without_a_header" {
  command = plan

  module {
    source = "./modules/alb"
  }

  assert {
    condition     = length(aws_lb_listener_rule.test) == 0 && length(aws_lb_listener_rule.production) == 1
    error_message = "Without traffic_shifting.test_header there is no test route."
  }
}

run "rejects_a_test_rule_after_the_production_rule" {
  command = plan

  module {
    source = "./modules/alb"
  }

  variables {
    traffic_shifting = { test_rule_priority = 50000, production_rule_priority = 100 }
  }

  expect_failures = [var.traffic_shifting]
}

run "only_ecs_assumes_the_load_balancer_role" {
  command = plan

  module {
    source = "./modules/ecs_service"
  }

  assert {
    condition     = jsondecode(aws_iam_role.load_balancers[0].assume_role_policy).Statement[0].Principal == { Service = "ecs.amazonaws.com" }
    error_message = "Only ECS may assume the load balancer infrastructure role."
  }

  assert {
    condition     = aws_iam_role_policy_attachment.load_balancers[0].policy_arn == "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers"
    error_message = "The role must carry AWS's managed policy for ECS load balancer management."
  }
}

run "the_deploy_role_passes_the_load_balancer_role_to_ecs_only" {
  command = plan

  module {
    source = "./modules/ci_oidc"
  }

  variables {
    name                    = "slipway-test-deploy"
    load_balancer_role_arns = ["arn:aws:iam::123456789012:role/slipway-test-ecs-load-balancers"]
  }

  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s if s.Sid == "PassTheLoadBalancerRoleToEcs"]) == {
      Sid       = "PassTheLoadBalancerRoleToEcs"
      Effect    = "Allow"
      Action    = ["iam:PassRole"]
      Resource  = ["arn:aws:iam::123456789012:role/slipway-test-ecs-load-balancers"]
      Condition = { StringEquals = { "iam:PassedToService" = "ecs.amazonaws.com" } }
    }
    error_message = "The deploy role may pass exactly the load balancer role, and only to ECS."
  }
}

run "rejects_a_wildcard_load_balancer_role" {
  command = plan

  module {
    source = "./modules/ci_oidc"
  }

  variables {
    name                    = "slipway-test-deploy"
    load_balancer_role_arns = ["arn:aws:iam::123456789012:role/*"]
  }

  expect_failures = [var.load_balancer_role_arns]
}
