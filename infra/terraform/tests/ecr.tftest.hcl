# Rule: ECR tags are immutable (a commit's tag always names the same image), images are scanned
# on push, and the lifecycle policy never expires what the release history may roll back to.

mock_provider "aws" {
  override_during = plan

  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
}

variables {
  name = "slipway"
}

run "tags_are_immutable_and_releases_kept" {
  command = plan

  module {
    source = "./modules/ecr"
  }

  assert {
    condition     = aws_ecr_repository.this.image_tag_mutability == "IMMUTABLE"
    error_message = "ECR tags must be IMMUTABLE."
  }

  assert {
    condition     = aws_ecr_repository.this.image_scanning_configuration[0].scan_on_push
    error_message = "Images must be scanned on push."
  }

  assert {
    condition = alltrue([for r in jsondecode(aws_ecr_lifecycle_policy.this.policy).rules :
      r.selection.tagStatus == "untagged" || (r.selection.countType == "imageCountMoreThan" && r.selection.countNumber >= 100)
    ])
    error_message = "Only untagged images may expire by age; tagged releases only beyond the retained count (>= 100)."
  }
}

run "rejects_mutable_tags" {
  command = plan

  module {
    source = "./modules/ecr"
  }

  variables {
    image_tag_mutability = "MUTABLE"
  }

  expect_failures = [var.image_tag_mutability]
}

run "rejects_expiring_the_rollback_window" {
  command = plan

  module {
    source = "./modules/ecr"
  }

  variables {
    retained_images = 10
  }

  expect_failures = [var.retained_images]
}
