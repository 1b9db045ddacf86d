# The service sends its trace segments to X-Ray itself (XRAY_TRACING, docs/service.md), with
# this task role. X-Ray's write actions take no resource ARN, hence "*"; nothing else of X-Ray
# (no reads, no sampling rules, no encryption config) is granted.
resource "aws_iam_role_policy" "task_xray" {
  name = "xray-write"
  role = aws_iam_role.task.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "XRayWrite"
      Effect   = "Allow"
      Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
      Resource = "*"
    }]
  })
}
