# Rule: no security group is open to the world except the ALB's, on 80 and 443; the tasks
# accept traffic from the ALB's security group only; nothing egresses to 0.0.0.0/0.
# Run: scripts/terraform.sh production test -test-directory=../../tests (see README.md).

mock_provider "aws" {
  override_during = plan

  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }
  mock_resource "aws_security_group" {
    defaults = { id = "sg-0123456789abcdef0" }
  }
  mock_resource "aws_vpc_endpoint" {
    defaults = { prefix_list_id = "pl-6da54004" }
  }
}

variables {
  name               = "slipway-test"
  availability_zones = ["eu-west-1a", "eu-west-1b"]
}

run "only_the_alb_faces_the_world" {
  command = plan

  module {
    source = "./modules/network"
  }

  assert {
    condition     = alltrue([for r in aws_vpc_security_group_ingress_rule.alb_clients : contains([80, 443], r.from_port) && r.from_port == r.to_port])
    error_message = "World-facing ingress must be the ALB's listeners on 80 and 443 only."
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.alb_clients) == 2
    error_message = "Expected exactly the 80 and 443 client rules on the ALB."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.tasks_from_alb.referenced_security_group_id == aws_security_group.alb.id && aws_vpc_security_group_ingress_rule.tasks_from_alb.cidr_ipv4 == null
    error_message = "Tasks must accept ingress from the ALB's security group, not from an address range."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.tasks_from_alb.from_port == 8080 && aws_vpc_security_group_ingress_rule.tasks_from_alb.to_port == 8080
    error_message = "Tasks must accept the app port only."
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.tasks_extra) == 0
    error_message = "No other ingress to the tasks by default."
  }

  assert {
    condition = alltrue(concat(
      [for r in aws_vpc_security_group_egress_rule.https_to_endpoints : r.cidr_ipv4 == null],
      [for r in aws_vpc_security_group_egress_rule.https_to_s3 : r.cidr_ipv4 == null],
      [aws_vpc_security_group_egress_rule.alb_to_tasks.cidr_ipv4 == null],
    ))
    error_message = "Egress must target security groups or the S3 prefix list, never an open address range."
  }

  assert {
    condition     = length(aws_default_security_group.this.ingress) == 0 && length(aws_default_security_group.this.egress) == 0
    error_message = "The VPC's default security group must have no rules."
  }

  assert {
    condition     = aws_flow_log.this[0].traffic_type == "ALL" && aws_cloudwatch_log_group.flow_logs[0].retention_in_days == 90
    error_message = "VPC flow logs must record all traffic into a log group with a retention."
  }
}

run "rejects_flow_logs_that_never_expire" {
  command = plan

  module {
    source = "./modules/network"
  }

  variables {
    flow_logs = { retention_days = 0 }
  }

  expect_failures = [var.flow_logs]
}

run "rejects_task_ingress_from_the_world" {
  command = plan

  module {
    source = "./modules/network"
  }

  variables {
    extra_task_ingress_rules = [{ description = "oops", port = 8080, cidr_ipv4 = "0.0.0.0/0" }]
  }

  expect_failures = [var.extra_task_ingress_rules]
}

run "rejects_task_egress_to_the_world" {
  command = plan

  module {
    source = "./modules/network"
  }

  variables {
    extra_task_egress_rules = [{ description = "oops", from_port = 0, to_port = 65535, cidr_ipv4 = "0.0.0.0/0" }]
  }

  expect_failures = [var.extra_task_egress_rules]
}

run "allows_a_private_database_egress" {
  command = plan

  module {
    source = "./modules/network"
  }

  variables {
    extra_task_egress_rules = [{ description = "PostgreSQL", from_port = 5432, to_port = 5432, cidr_ipv4 = "10.50.0.0/16" }]
  }

  assert {
    condition     = aws_vpc_security_group_egress_rule.tasks_extra["5432-5432-10.50.0.0/16"].cidr_ipv4 == "10.50.0.0/16"
    error_message = "A scoped egress rule must be accepted."
  }
}
