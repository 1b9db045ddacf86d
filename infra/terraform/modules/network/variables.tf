variable "name" {
  description = "Name prefix of every resource (e.g. slipway-production)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,27}$", var.name))
    error_message = "name must be 2-28 characters of lowercase letters, digits and dashes, starting with a letter."
  }
}

variable "vpc_cidr" {
  description = "IPv4 CIDR of the VPC, /16 to /24; it is cut into 16 slices: public subnets from slice 0, private ones from slice 8."
  type        = string
  default     = "10.40.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && try(tonumber(split("/", var.vpc_cidr)[1]) >= 16 && tonumber(split("/", var.vpc_cidr)[1]) <= 24, false)
    error_message = "vpc_cidr must be a valid IPv4 CIDR between /16 and /24 (e.g. 10.40.0.0/16)."
  }
}

variable "availability_zones" {
  description = "Availability zones to spread the subnets over; at least two, so the ALB and the service survive one zone."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) >= 2 && length(var.availability_zones) <= 8 && length(distinct(var.availability_zones)) == length(var.availability_zones)
    error_message = "availability_zones must list 2 to 8 distinct zones."
  }
}

variable "app_port" {
  description = "Container port of the service (the PORT env var); the only port the ALB may reach the tasks on."
  type        = number
  default     = 8080

  validation {
    condition     = var.app_port >= 1024 && var.app_port <= 65535 && floor(var.app_port) == var.app_port
    error_message = "app_port must be an unprivileged port number (1024-65535): the container runs as a non-root user."
  }
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all zones (cheaper) instead of one per zone (survives a zone outage)."
  type        = bool
  default     = false
}

variable "interface_endpoint_services" {
  description = "AWS services reached through VPC interface endpoints, so instances and tasks never need the internet for AWS APIs."
  type        = list(string)
  default     = ["ecr.api", "ecr.dkr", "logs", "secretsmanager", "ssm", "sts", "kms", "ecs", "ecs-agent", "ecs-telemetry", "monitoring", "xray"]

  validation {
    condition     = alltrue([for s in var.interface_endpoint_services : can(regex("^[a-z0-9.-]+$", s))]) && length(setintersection(["ecr.api", "ecr.dkr", "logs", "secretsmanager", "ssm", "sts"], var.interface_endpoint_services)) == 6
    error_message = "interface_endpoint_services must be service short names and include at least ecr.api, ecr.dkr, logs, secretsmanager, ssm and sts."
  }
}

variable "alb_ingress_cidr_blocks" {
  description = "Client IPv4 ranges allowed to reach the ALB on 80 and 443 (the only world-facing rule of the platform)."
  type        = list(string)
  default     = ["0.0.0.0/0"]

  validation {
    condition     = length(var.alb_ingress_cidr_blocks) > 0 && alltrue([for c in var.alb_ingress_cidr_blocks : can(cidrhost(c, 0))])
    error_message = "alb_ingress_cidr_blocks must be a non-empty list of IPv4 CIDRs."
  }
}

variable "extra_task_egress_rules" {
  description = "Additional egress the tasks need beyond AWS APIs (e.g. the database): each rule names a port range and a destination CIDR inside private address space."
  type = list(object({
    description = string
    from_port   = number
    to_port     = number
    cidr_ipv4   = string
  }))
  default = []

  validation {
    condition = alltrue([for r in var.extra_task_egress_rules :
      can(cidrhost(r.cidr_ipv4, 0)) && tonumber(split("/", r.cidr_ipv4)[1]) >= 8 && r.from_port <= r.to_port
    ])
    error_message = "extra_task_egress_rules: every rule needs a CIDR of /8 or narrower (never 0.0.0.0/0) and from_port <= to_port."
  }
}

variable "extra_task_ingress_rules" {
  description = "Additional ingress to the tasks (e.g. a metrics scraper inside the VPC). Never open to the world: only the ALB faces the internet."
  type = list(object({
    description = string
    port        = number
    cidr_ipv4   = string
  }))
  default = []

  validation {
    condition     = alltrue([for r in var.extra_task_ingress_rules : can(cidrhost(r.cidr_ipv4, 0)) && tonumber(split("/", r.cidr_ipv4)[1]) >= 8])
    error_message = "extra_task_ingress_rules: no rule may be open to the world (0.0.0.0/0) or wider than /8; only the ALB accepts internet traffic."
  }
}

variable "tags" {
  description = "Tags added to every resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}

variable "flow_logs" {
  description = "VPC flow logs to CloudWatch Logs (rejected and accepted traffic), for incident analysis. kms_key_arn must allow CloudWatch Logs of this account (the observability module's key does)."
  type = object({
    enabled        = optional(bool, true)
    retention_days = optional(number, 90)
    kms_key_arn    = optional(string)
  })
  default = {}

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_logs.retention_days)
    error_message = "flow_logs.retention_days must be one of CloudWatch's retention values; 0 (never expire) is not allowed."
  }
}
