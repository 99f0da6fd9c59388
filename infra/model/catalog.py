"""Static catalogs the planners validate against: AWS regions (with their fixed VPC ranges) and instance types.

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
    """Size of one EC2 instance type: vCPUs, memory, family, baseline network bandwidth and, for
    burstable types, the baseline CPU per vCPU (sources: INSTANCE_SPEC_SOURCE)."""

    vcpu: int
    memory_gib: float
    family: str  # "burstable" (t) | "compute" (c) | "general" (m) | "memory" (r)
    network_gbps: float  # baseline bandwidth, each direction (not the "up to" burst figure)
    network_optimized: bool = False  # the "n" variants (c5n, m5n, r5n): several times the baseline bandwidth
    cpu_baseline_pct: float = 100.0  # burstable types: the CPU per vCPU sustained without spending credits

    @property
    def burstable(self) -> bool:
        """T-family: CPU above the baseline spends CPU credits (CloudWatch CPUCreditBalance)."""
        return self.family == "burstable"

    @property
    def sustained_vcpu(self) -> float:
        """vCPUs the type runs all day: vcpu x baseline for burstable types, vcpu otherwise."""
        return self.vcpu * self.cpu_baseline_pct / 100


# AWS EC2 User Guide, "Amazon EC2 instance types" specifications: general purpose / compute optimized /
# memory optimized -> "Network specifications", column "Baseline bandwidth (Gbps)" (the "up to" figures
# are bursts the instance cannot sustain), and "Burstable performance instances" -> "Key concepts" baseline
# utilisation per vCPU; retrieved 2026-12. Bandwidth applies to inbound and outbound traffic each
# ("Amazon EC2 instance network bandwidth": "up to 10 Gbps for inbound traffic and, simultaneously, up to
# 10 Gbps for outbound"). The t3/c5 baselines match `aws ec2 describe-instance-types`
# (NetworkCards[].BaselineBandwidthInGbps).
INSTANCE_SPEC_SOURCE = ("AWS EC2 User Guide instance type specifications (network: Baseline bandwidth (Gbps); "
                        "burstable: baseline utilisation per vCPU), retrieved 2026-12")
# EC2 types the platform may run; the policy pack's allowlist and the price table use the same set.
INSTANCE_TYPES: dict[str, InstanceSpec] = {
    "t3.small": InstanceSpec(2, 2, "burstable", 0.128, cpu_baseline_pct=20),
    "t3.medium": InstanceSpec(2, 4, "burstable", 0.256, cpu_baseline_pct=20),
    "t3.large": InstanceSpec(2, 8, "burstable", 0.512, cpu_baseline_pct=30),
    "t3.xlarge": InstanceSpec(4, 16, "burstable", 1.024, cpu_baseline_pct=40),
    "c5.large": InstanceSpec(2, 4, "compute", 0.75),
    "c5.xlarge": InstanceSpec(4, 8, "compute", 1.25),
    "c5.2xlarge": InstanceSpec(8, 16, "compute", 2.5),
    "c5.4xlarge": InstanceSpec(16, 32, "compute", 5.0),
    "c5n.large": InstanceSpec(2, 5.25, "compute", 3.0, network_optimized=True),
    "c5n.xlarge": InstanceSpec(4, 10.5, "compute", 5.0, network_optimized=True),
    "c5n.2xlarge": InstanceSpec(8, 21, "compute", 10.0, network_optimized=True),
    "m5.large": InstanceSpec(2, 8, "general", 0.75),
    "m5.xlarge": InstanceSpec(4, 16, "general", 1.25),
    "m5.2xlarge": InstanceSpec(8, 32, "general", 2.5),
    "m5n.large": InstanceSpec(2, 8, "general", 2.1, network_optimized=True),
    "m5n.xlarge": InstanceSpec(4, 16, "general", 4.1, network_optimized=True),
    "r5.large": InstanceSpec(2, 16, "memory", 0.75),
    "r5.xlarge": InstanceSpec(4, 32, "memory", 1.25),
    "r5.2xlarge": InstanceSpec(8, 64, "memory", 2.5),
    "r5n.large": InstanceSpec(2, 16, "memory", 2.1, network_optimized=True),
    "r5n.xlarge": InstanceSpec(4, 32, "memory", 4.1, network_optimized=True),
    "r5n.2xlarge": InstanceSpec(8, 64, "memory", 8.125, network_optimized=True),
}

# RDS and ElastiCache classes the platform may run.
DB_INSTANCE_CLASSES: tuple[str, ...] = (
    "db.t3.medium", "db.r5.large", "db.r5.xlarge", "db.r5.2xlarge", "db.r5.4xlarge",
)
# Nominal memory of each DB instance class (AWS "DB instance classes" hardware specifications, 2026): the
# input of RDS's default max_connections formula (infra/planning/connections.py).
DB_INSTANCE_MEMORY_GIB: dict[str, int] = {
    "db.t3.medium": 4, "db.r5.large": 16, "db.r5.xlarge": 32, "db.r5.2xlarge": 64, "db.r5.4xlarge": 128,
}
CACHE_NODE_TYPES: tuple[str, ...] = (
    "cache.t3.small", "cache.t3.medium", "cache.r5.large", "cache.r5.xlarge", "cache.r5.2xlarge",
)


# VPC range of each region: a fixed /16 per AWS region, never derived from the region's position in
# `regions`, so adding, removing or reordering regions leaves every other region's VPC, subnets, subnet
# groups and security groups byte-identical (AWS replaces a VPC whose CIDR changes, and everything on it).
# The four regions of the novacron "4. Multi-Region Scaling" table keep the ranges they had when the
# range came from the list position (10.0 .. 10.3), so the bundled stacks see no change; the others follow
# in the order of AWS_REGION_TIMEZONES. Append a new region with the next free second octet; never renumber an entry.
# Regions never overlap, so any two can peer later. `regions[i].vpc_cidr` overrides an entry.
REGION_VPC_CIDRS: dict[str, str] = {
    "us-east-1": "10.0.0.0/16", "us-west-2": "10.1.0.0/16", "eu-west-1": "10.2.0.0/16",
    "ap-southeast-1": "10.3.0.0/16", "us-east-2": "10.4.0.0/16", "us-west-1": "10.5.0.0/16",
    "ca-central-1": "10.6.0.0/16", "ca-west-1": "10.7.0.0/16", "mx-central-1": "10.8.0.0/16",
    "sa-east-1": "10.9.0.0/16", "eu-west-2": "10.10.0.0/16", "eu-west-3": "10.11.0.0/16",
    "eu-central-1": "10.12.0.0/16", "eu-central-2": "10.13.0.0/16", "eu-north-1": "10.14.0.0/16",
    "eu-south-1": "10.15.0.0/16", "eu-south-2": "10.16.0.0/16", "il-central-1": "10.17.0.0/16",
    "me-south-1": "10.18.0.0/16", "me-central-1": "10.19.0.0/16", "af-south-1": "10.20.0.0/16",
    "ap-east-1": "10.21.0.0/16", "ap-south-1": "10.22.0.0/16", "ap-south-2": "10.23.0.0/16",
    "ap-southeast-2": "10.24.0.0/16", "ap-southeast-3": "10.25.0.0/16", "ap-southeast-4": "10.26.0.0/16",
    "ap-southeast-5": "10.27.0.0/16", "ap-southeast-7": "10.28.0.0/16", "ap-northeast-1": "10.29.0.0/16",
    "ap-northeast-2": "10.30.0.0/16", "ap-northeast-3": "10.31.0.0/16", "ap-east-2": "10.32.0.0/16",
    "ap-southeast-6": "10.33.0.0/16", "us-gov-east-1": "10.34.0.0/16", "us-gov-west-1": "10.35.0.0/16",
    "cn-north-1": "10.36.0.0/16", "cn-northwest-1": "10.37.0.0/16", "us-iso-east-1": "10.38.0.0/16",
    "us-iso-west-1": "10.39.0.0/16", "us-isob-east-1": "10.40.0.0/16", "eusc-de-east-1": "10.41.0.0/16",
}
