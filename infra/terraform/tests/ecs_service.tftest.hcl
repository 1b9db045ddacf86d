# Rule: the deployment circuit breaker is on with rollback, alarms roll a deployment back, the
# container runs as non-root on a read-only root filesystem, and its stopTimeout covers the
# service's shutdown (SHUTDOWN_DELAY + SHUTDOWN_TIMEOUT).

mock_provider "aws" {
  override_during = plan

  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mocked" }
  }
  mock_resource "aws_ecs_task_definition" {
    defaults = { arn = "arn:aws:ecs:eu-west-1:123456789012:task-definition/slipway-test:1" }
  }
}

variables {
  name                 = "slipway-test"
  cluster_name         = "slipway-test"
  cluster_arn          = "arn:aws:ecs:eu-west-1:123456789012:cluster/slipway-test"
  image                = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/slipway:0123456789abcdef0123456789abcdef01234567"
  release              = "0123456789abcdef0123456789abcdef01234567"
  ecr_repository_arn   = "arn:aws:ecr:eu-west-1:123456789012:repository/slipway"
  log_group_name       = "/ecs/slipway-test/service"
  log_group_arn        = "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/slipway-test/service"
  subnet_ids           = ["subnet-1", "subnet-2"]
  security_group_ids   = ["sg-1"]
  target_group_arn     = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/slipway-test/0123456789abcdef"
  listener_arn         = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/slipway-test/0123456789abcdef/fedcba9876543210"
  rollback_alarm_names = ["slipway-test-target-5xx-rate"]
  autoscaling          = { request_label = "app/slipway-test/0123/targetgroup/slipway-test/4567" }
}

run "circuit_breaker_and_hardened_container" {
  command = plan

  module {
    source = "./modules/ecs_service"
  }

  assert {
    condition     = aws_ecs_service.this.deployment_circuit_breaker[0].enable && aws_ecs_service.this.deployment_circuit_breaker[0].rollback
    error_message = "The circuit breaker must be enabled with rollback."
  }

  assert {
    condition     = aws_ecs_service.this.alarms[0].enable && aws_ecs_service.this.alarms[0].rollback && contains(aws_ecs_service.this.alarms[0].alarm_names, "slipway-test-target-5xx-rate")
    error_message = "Alarm-based rollback must be on with the given alarms."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].readonlyRootFilesystem && jsondecode(aws_ecs_task_definition.this.container_definitions)[0].user == "65534:65534"
    error_message = "The container must run as non-root on a read-only root filesystem."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].stopTimeout == 40
    error_message = "stopTimeout must be SHUTDOWN_DELAY (5) + SHUTDOWN_TIMEOUT (30) + 5."
  }

  assert {
    condition     = aws_ecs_task_definition.this.network_mode == "awsvpc" && aws_ecs_service.this.network_configuration[0].assign_public_ip == false
    error_message = "Tasks must use awsvpc in private subnets without public addresses."
  }

  assert {
    condition     = length(aws_appautoscaling_policy.this) == 3
    error_message = "Target tracking on CPU, memory and requests per target expected."
  }
}

run "rejects_circuit_breaker_without_rollback" {
  command = plan

  module {
    source = "./modules/ecs_service"
  }

  variables {
    deployment = { circuit_breaker = { enable = true, rollback = false } }
  }

  expect_failures = [var.deployment]
}

run "rejects_root_user" {
  command = plan

  module {
    source = "./modules/ecs_service"
  }

  variables {
    container_user = "0:0"
  }

  expect_failures = [var.container_user]
}

# The first-apply races: ECS refuses a service whose target group no listener uses yet (the HTTPS
# listener waits for the certificate's validation), and a capacity provider not yet associated
# with the cluster. The service names both (a reference in its preconditions orders it after
# them); without them the plan is refused.
run "service_waits_for_the_listener" {
  command = plan

  module {
    source = "./modules/ecs_service"
  }

  variables {
    listener_arn = null
  }

  expect_failures = [aws_ecs_service.this]
}

run "service_waits_for_the_capacity_provider_association" {
  command = plan

  module {
    source = "./modules/ecs_service"
  }

  variables {
    capacity_provider_strategy = [{ capacity_provider = "slipway-test", base = 1, weight = 1 }]
  }

  expect_failures = [aws_ecs_service.this]
}

run "service_with_an_associated_capacity_provider_plans" {
  command = plan

  module {
    source = "./modules/ecs_service"
  }

  variables {
    capacity_provider_strategy       = [{ capacity_provider = "slipway-test", base = 1, weight = 1 }]
    capacity_provider_association_id = "slipway-test"
  }

  assert {
    condition     = [for s in aws_ecs_service.this.capacity_provider_strategy : s.capacity_provider] == ["slipway-test"]
    error_message = "With its association the capacity provider strategy must plan."
  }
}
