"""Regions (novacron "4. Multi-Region Scaling" table), failover and DNS sections, and their cross checks.

Pure (no pulumi, no boto3). `region_problems` holds every rule that needs the whole region list
(duplicates, the one primary, failed regions, failover order, AZs, certificates, weights).
"""
from __future__ import annotations

import re
from typing import Annotated, Any, Iterator

from pydantic import Field

from infra.config.base import AwsRegionName, Hostname, NonNegInt, Section, UrlPath
from infra.config.stateful import VpcCidr
from infra.model.aws_regions import REGION_AZ_COUNT

# novacron "4. Multi-Region Scaling" failover_rules: capacity_exhausted -> overflow_to_secondary,
# priority ["us-west-2", "eu-west-1", "ap-southeast-1"].
DEFAULT_FAILOVER_PRIORITY = ("us-west-2", "eu-west-1", "ap-southeast-1")

# ACM certificate ARN: arn:<partition>:acm:<region>:<account>:certificate/<uuid>.
ACM_ARN = re.compile(r"arn:(aws[a-z-]*):acm:([a-z0-9-]+):(\d{12}):certificate/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}")
ACM_ARN_PATTERN = "^" + ACM_ARN.pattern + "$"
ACM_WANTED = "an ACM certificate ARN: arn:aws:acm:<region>:<12-digit account>:certificate/<uuid>"


class RegionConfig(Section):
    """One row of the novacron "4. Multi-Region Scaling" table; min/max/current bound the api tier."""

    name: AwsRegionName
    primary: bool = False
    min_instances: NonNegInt
    max_instances: Annotated[int, Field(ge=1, le=10_000)]
    current_instances: NonNegInt
    latency_ms: Annotated[float, Field(gt=0, le=10_000)]
    # Share of traffic; Route53 gets int(weight / total x 100), so each region needs >= 1 % of the total.
    traffic_weight: Annotated[float, Field(gt=0, le=1_000)]
    # >= 2 AZs so one AZ outage leaves capacity; at most what the region has (REGION_AZ_COUNT).
    az_count: Annotated[int, Field(ge=2, le=6)] = 2
    # ACM certificate for the regional ALB, issued in this region; with it the ALB serves HTTPS.
    certificate_arn: Annotated[str | None, Field(pattern=ACM_ARN_PATTERN, description=ACM_WANTED)] \
        = None
    # The region's VPC range; None = its fixed range in infra/model/catalog.py REGION_VPC_CIDRS (never its
    # position in `regions`). Set it only to keep a range deployed before that table existed.
    vpc_cidr: VpcCidr | None = None


class DnsConfig(Section):
    """Route53 weighted records for the service name (one per healthy region)."""

    hosted_zone_id: Annotated[str, Field(pattern=r"^Z[A-Z0-9]{4,32}$",
                                         description="a Route53 hosted zone id: Z and 4-32 capital letters or digits")]
    record_name: Hostname
    health_check_path: UrlPath = "/health"


def region_problems(cfg: Any) -> Iterator[tuple[str, str]]:
    """Every (key, message) wrong across the region list, failed regions and failover order."""
    names = [r.name for r in cfg.regions]
    total_weight = sum(r.traffic_weight for r in cfg.regions)
    for i, region in enumerate(cfg.regions):
        key = f"regions[{i}]"
        if names.index(region.name) != i:
            yield f"{key}.name", f"region {region.name!r} is listed twice; each region once"
        if region.min_instances > region.max_instances:
            yield (f"{key}.min_instances",
                   f"{region.min_instances} > max_instances {region.max_instances}; need min <= current <= max")
        if not region.min_instances <= region.current_instances <= region.max_instances:
            yield (f"{key}.current_instances",
                   f"{region.current_instances} is outside [{region.min_instances}, {region.max_instances}]; "
                   "need min <= current <= max")
        zones = REGION_AZ_COUNT[region.name]
        if region.az_count > zones:
            yield f"{key}.az_count", f"{region.az_count} > the {zones} Availability Zones {region.name} has; allowed 2..{zones}"
        if region.certificate_arn:
            partition, arn_region = ACM_ARN.fullmatch(region.certificate_arn).group(1, 2)  # type: ignore[union-attr]
            if (partition, arn_region) != ("aws", region.name):
                yield (f"{key}.certificate_arn",
                       f"certificate is in {partition}:{arn_region}; an ALB needs an ACM certificate of its own "
                       f"region, arn:aws:acm:{region.name}:...")
        if int(region.traffic_weight / total_weight * 100) < 1:
            yield (f"{key}.traffic_weight",
                   f"{region.traffic_weight:g} is {region.traffic_weight / total_weight * 100:.2g}% of the total "
                   f"{total_weight:g}; Route53 gets whole percent, so each region needs at least 1% of the total "
                   "(or remove the region)")
    primaries = [r.name for r in cfg.regions if r.primary]
    if len(primaries) != 1:
        yield "regions", (f"{len(primaries)} regions have primary: true ({', '.join(primaries) or 'none'}); "
                          "exactly one is allowed")
    for i, failed in enumerate(cfg.failed_regions):
        if failed not in names:
            yield f"failed_regions[{i}]", f"{failed!r} is not a configured region; allowed: {', '.join(names)}"
        elif cfg.failed_regions.index(failed) != i:
            yield f"failed_regions[{i}]", f"{failed!r} is listed twice; list each failed region once"
    if len(set(cfg.failed_regions)) >= len(names):
        yield "failed_regions", "every region is marked failed; at least one region must stay healthy"
    if "failover_priority" in cfg.model_fields_set:
        for i, name in enumerate(cfg.failover_priority):
            if name not in names:
                yield (f"failover_priority[{i}]",
                       f"{name!r} is not a configured region; allowed: {', '.join(names)}")
            elif cfg.failover_priority.index(name) != i:
                yield f"failover_priority[{i}]", f"{name!r} is listed twice; list each region once"
