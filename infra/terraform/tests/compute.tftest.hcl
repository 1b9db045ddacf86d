# Rule: container instances require IMDSv2 (hop limit 1 keeps tasks away from the instance
# role) and every volume is encrypted.

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
  mock_data "aws_ssm_parameter" {
    defaults = { value = "ami-0123456789abcdef0", insecure_value = "ami-0123456789abcdef0" }
  }
}

variables {
  name                = "slipway-test"
  private_subnet_ids  = ["subnet-1", "subnet-2"]
  security_group_ids  = ["sg-1"]
  ecr_repository_arns = ["arn:aws:ecr:eu-west-1:123456789012:repository/slipway"]
  log_group_arns      = ["arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/slipway-test/service"]
}

run "imdsv2_and_encrypted_volumes" {
  command = plan

  module {
    source = "./modules/ecs_cluster"
  }

  assert {
    condition     = aws_launch_template.this.metadata_options[0].http_tokens == "required"
    error_message = "IMDSv2 must be required."
  }

  assert {
    condition     = aws_launch_template.this.metadata_options[0].http_put_response_hop_limit == 1
    error_message = "The metadata hop limit must be 1 so containers cannot reach the instance's credentials."
  }

  assert {
    condition     = alltrue([for b in aws_launch_template.this.block_device_mappings : b.ebs[0].encrypted == "true"])
    error_message = "Every EBS volume must be encrypted."
  }

  assert {
    condition     = contains([for s in aws_ecs_cluster.this.setting : "${s.name}=${s.value}"], "containerInsights=enabled")
    error_message = "Container Insights must be on."
  }

  assert {
    condition     = aws_ecs_capacity_provider.this.auto_scaling_group_provider[0].managed_termination_protection == "ENABLED" && aws_autoscaling_group.this.protect_from_scale_in
    error_message = "Managed termination protection needs scale-in protection on the group."
  }
}

run "rejects_imdsv1" {
  command = plan

  module {
    source = "./modules/ecs_cluster"
  }

  variables {
    instance_metadata = { http_tokens = "optional" }
  }

  expect_failures = [var.instance_metadata]
}

run "rejects_unencrypted_volumes" {
  command = plan

  module {
    source = "./modules/ecs_cluster"
  }

  variables {
    root_volume = { encrypted = false }
  }

  expect_failures = [var.root_volume]
}
