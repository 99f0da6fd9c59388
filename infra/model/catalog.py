"""Static catalogs the planners validate against: AWS regions and instance types.

Pure data (no pulumi, no boto3). Prices live in `infra/cost/pricing.py`; this module only says
what exists and how big it is, so config validation and the planners share one list.
"""
from __future__ import annotations

from dataclasses import dataclass

# AWS regions (commercial, GovCloud, China, ISO, European Sovereign Cloud) and the IANA time zone used for their "local business hours"
# (novacron "4. Multi-Region Scaling": predictive_regional_scaling uses each region's own clock).
AWS_REGION_TIMEZONES: dict[str, str] = {
    "us-east-1": "America/New_York",
    "us-east-2": "America/New_York",
    "us-west-1": "America/Los_Angeles",
    "us-west-2": "America/Los_Angeles",
    "ca-central-1": "America/Toronto",
    "ca-west-1": "America/Edmonton",
    "mx-central-1": "America/Mexico_City",
    "sa-east-1": "America/Sao_Paulo",
    "eu-west-1": "Europe/Dublin",
    "eu-west-2": "Europe/London",
    "eu-west-3": "Europe/Paris",
    "eu-central-1": "Europe/Berlin",
    "eu-central-2": "Europe/Zurich",
    "eu-north-1": "Europe/Stockholm",
    "eu-south-1": "Europe/Rome",
    "eu-south-2": "Europe/Madrid",
    "il-central-1": "Asia/Jerusalem",
    "me-south-1": "Asia/Bahrain",
    "me-central-1": "Asia/Dubai",
    "af-south-1": "Africa/Johannesburg",
    "ap-east-1": "Asia/Hong_Kong",
    "ap-south-1": "Asia/Kolkata",
    "ap-south-2": "Asia/Kolkata",
    "ap-southeast-1": "Asia/Singapore",
    "ap-southeast-2": "Australia/Sydney",
    "ap-southeast-3": "Asia/Jakarta",
    "ap-southeast-4": "Australia/Melbourne",
    "ap-southeast-5": "Asia/Kuala_Lumpur",
    "ap-southeast-7": "Asia/Bangkok",
    "ap-northeast-1": "Asia/Tokyo",
    "ap-northeast-2": "Asia/Seoul",
    "ap-northeast-3": "Asia/Tokyo",
    "ap-east-2": "Asia/Taipei",
    "ap-southeast-6": "Pacific/Auckland",
    "us-gov-east-1": "America/New_York",
    "us-gov-west-1": "America/Los_Angeles",
    "cn-north-1": "Asia/Shanghai",
    "cn-northwest-1": "Asia/Shanghai",
    "us-iso-east-1": "America/New_York",
    "us-iso-west-1": "America/Denver",
    "us-isob-east-1": "America/New_York",
    "eusc-de-east-1": "Europe/Berlin",
}
AWS_REGIONS: tuple[str, ...] = tuple(AWS_REGION_TIMEZONES)


@dataclass(frozen=True)
class InstanceSpec:
    """Size of one EC2 instance type (AWS EC2 instance type pages, 2026)."""

    vcpu: int
    memory_gib: float
    family: str


# EC2 types the platform may run; the policy pack's allowlist and the price table use the same set.
INSTANCE_TYPES: dict[str, InstanceSpec] = {
    "t3.small": InstanceSpec(2, 2, "burstable"),
    "t3.medium": InstanceSpec(2, 4, "burstable"),
    "t3.large": InstanceSpec(2, 8, "burstable"),
    "t3.xlarge": InstanceSpec(4, 16, "burstable"),
    "c5.large": InstanceSpec(2, 4, "compute"),
    "c5.xlarge": InstanceSpec(4, 8, "compute"),
    "c5.2xlarge": InstanceSpec(8, 16, "compute"),
    "c5.4xlarge": InstanceSpec(16, 32, "compute"),
    "m5.large": InstanceSpec(2, 8, "general"),
    "m5.xlarge": InstanceSpec(4, 16, "general"),
    "m5.2xlarge": InstanceSpec(8, 32, "general"),
    "m5n.large": InstanceSpec(2, 8, "network"),
    "m5n.xlarge": InstanceSpec(4, 16, "network"),
    "r5.large": InstanceSpec(2, 16, "memory"),
    "r5.xlarge": InstanceSpec(4, 32, "memory"),
    "r5.2xlarge": InstanceSpec(8, 64, "memory"),
}

# RDS and ElastiCache classes the platform may run.
DB_INSTANCE_CLASSES: tuple[str, ...] = (
    "db.t3.medium", "db.r5.large", "db.r5.xlarge", "db.r5.2xlarge", "db.r5.4xlarge",
)
CACHE_NODE_TYPES: tuple[str, ...] = (
    "cache.t3.small", "cache.t3.medium", "cache.r5.large", "cache.r5.xlarge", "cache.r5.2xlarge",
)
