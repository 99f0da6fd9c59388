"""Monthly cost of a recorded stack, from a cited price table (pure: no pulumi, no boto3).

Two models:
- `"aws"` (default): the AWS public price list below — on-demand Linux, us-east-1, as listed
  on the AWS pricing pages on 2025-01-15 (`PRICE_SOURCE`), with a per-region multiplier.
- `"flat"`: relay's flat model (`FLAT_MODEL`, relay "Cost Optimization"), kept as the named
  fallback the old runbook used for quick what-ifs.

Every priced resource becomes one `CostLine` whose `reason` shows the arithmetic, so a reviewer
can redo it by hand. Resources the table does not price (IAM, alarms, policies, …) cost $0.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from infra.recorded import RecordedResource
from infra.references import resolve

# A month is 365 × 24 / 12 = 730 hours: AWS bills monthly estimates on 730 h (the AWS Pricing
# Calculator uses it). relay's flat model quoted "monthly: 72" for $0.10/h, i.e. 720 h; we keep
# one month length for both models so they differ only in rates.
HOURS_PER_MONTH = 730.0

PRICE_SOURCE = "AWS public price list, on-demand Linux, us-east-1, retrieved 2025-01-15"

# Spot capacity is priced at 70% of on-demand: novacron "6. Cost Optimization",
# implement_spot_strategy (stateless_workers: max_price 'on_demand * 0.7'). A ceiling, so a
# conservative estimate of what spot really costs.
SPOT_PRICE_FACTOR = 0.7

# EC2 on-demand $/instance-hour (PRICE_SOURCE). The keys are the instance types the project
# allows; the policy pack's `instance-type-allowlist` defaults to exactly this set.
EC2_HOURLY_USD: dict[str, float] = {
    "t3.small": 0.0208,
    "t3.medium": 0.0416,
    "t3.large": 0.0832,
    "t3.xlarge": 0.1664,
    "c5.large": 0.085,
    "c5.xlarge": 0.17,
    "c5.2xlarge": 0.34,
    "c5.4xlarge": 0.68,
    "m5.large": 0.096,
    "m5.xlarge": 0.192,
    "m5.2xlarge": 0.384,
    "m5n.large": 0.119,
    "m5n.xlarge": 0.238,
    "r5.large": 0.126,
    "r5.xlarge": 0.252,
    "r5.2xlarge": 0.504,
}
ALLOWED_INSTANCE_TYPES: tuple[str, ...] = tuple(EC2_HOURLY_USD)

# EBS $/GB-month (PRICE_SOURCE). gp3 is what the components create; gp2 kept for imports.
EBS_GB_MONTH_USD: dict[str, float] = {"gp3": 0.08, "gp2": 0.10}
DEFAULT_EBS_VOLUME_TYPE = "gp3"

# RDS for PostgreSQL, Single-AZ on-demand $/instance-hour (PRICE_SOURCE).
RDS_HOURLY_USD: dict[str, float] = {
    "db.t3.medium": 0.072,
    "db.r5.large": 0.25,
    "db.r5.xlarge": 0.50,
    "db.r5.2xlarge": 1.00,
    "db.r5.4xlarge": 2.00,
}
# RDS storage $/GB-month, Single-AZ (PRICE_SOURCE).
RDS_STORAGE_GB_MONTH_USD: dict[str, float] = {"gp3": 0.115, "gp2": 0.115}
# Multi-AZ runs a synchronous standby: instance and storage are billed twice.
RDS_MULTI_AZ_FACTOR = 2.0

# ElastiCache (Redis OSS) on-demand $/node-hour (PRICE_SOURCE).
CACHE_NODE_HOURLY_USD: dict[str, float] = {
    "cache.t3.small": 0.034,
    "cache.t3.medium": 0.068,
    "cache.r5.large": 0.216,
    "cache.r5.xlarge": 0.431,
    "cache.r5.2xlarge": 0.862,
}

# Application Load Balancer $/hour and $/LCU-hour (PRICE_SOURCE).
ALB_HOURLY_USD = 0.0225
ALB_LCU_HOURLY_USD = 0.008
# LCUs one ALB averages when the caller gives no traffic figure: 1 LCU = 25 new conn/s,
# 3,000 active conn/min, 1 GB/h processed; 5 is a busy-but-ordinary web front door.
DEFAULT_ALB_LCUS = 5.0

# NAT gateway $/hour and $/GB processed (PRICE_SOURCE).
NAT_HOURLY_USD = 0.045
NAT_GB_PROCESSED_USD = 0.045

# CloudFront, North America: first 10 TB/month $/GB, and $ per 10,000 HTTPS requests.
CLOUDFRONT_GB_USD = 0.085
CLOUDFRONT_HTTPS_PER_10K_USD = 0.01
# Lambda@Edge: $0.60 per 1M requests + $0.00005001 per GB-second; at the minimum 128 MB and a
# typical 5 ms header rewrite one request uses 0.125 GB × 0.005 s of compute.
LAMBDA_EDGE_PER_1M_REQUESTS_USD = 0.60
LAMBDA_EDGE_GB_SECOND_USD = 0.00005001
LAMBDA_EDGE_GB_SECONDS_PER_REQUEST = 0.125 * 0.005

# Regional uplift over us-east-1 for instance-hour prices (EC2, RDS, ElastiCache), from the same
# price list (e.g. c5.large: us-east-1 0.085, eu-west-1 0.096, ap-southeast-1 0.098).
# Regions not listed are priced at 1.0 (us-east-1 rates).
REGION_MULTIPLIER: dict[str, float] = {
    "us-east-1": 1.0,
    "us-east-2": 1.0,
    "us-west-2": 1.0,
    "us-west-1": 1.19,
    "eu-west-1": 1.13,
    "eu-central-1": 1.14,
    "ap-southeast-1": 1.15,
}

# relay "Cost Optimization" (CostOptimizer.costModels): one rate per category, no instance
# sizes. compute $0.10/h, storage $0.10/GB-month, bandwidth $0.09/GB, database $0.20/h.
FLAT_MODEL: dict[str, float] = {
    "compute_hourly": 0.10,
    "storage_gb_month": 0.10,
    "bandwidth_gb": 0.09,
    "database_hourly": 0.20,
}

MODELS = ("aws", "flat")

ASG = "aws:autoscaling/group:Group"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
RDS_INSTANCE = "aws:rds/instance:Instance"
CACHE_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
EBS_VOLUME = "aws:ebs/volume:Volume"
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
NAT_GATEWAY = "aws:ec2/natGateway:NatGateway"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"


class PricingError(ValueError):
    """A resource asks for something the price table does not know (e.g. an instance type)."""


@dataclass(frozen=True)
class CostLine:
    """One priced item: `item` names the resource, `reason` shows the arithmetic."""

    item: str
    monthly_usd: float
    reason: str


@dataclass(frozen=True)
class CostEstimate:
    """All priced lines of a stack and their total per month (USD)."""

    lines: tuple[CostLine, ...]
    monthly_usd: float


def _num(value: Any, default: float = 0.0) -> float:
    """Inputs arrive as floats (or strings from some providers); absent means `default`."""
    if value is None or value == "":
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _price(table: Mapping[str, float], key: Any, what: str) -> float:
    if key not in table:
        raise PricingError(f"unknown {what} {key!r}; allowed: {', '.join(table)}")
    return table[key]


def _usd(x: float) -> str:
    return f"${x:,.4f}".rstrip("0").rstrip(".") if x < 1 else f"${x:,.2f}"


def _region_factor(res: RecordedResource, model: str) -> tuple[float, str]:
    if model != "aws":
        return 1.0, ""
    factor = REGION_MULTIPLIER.get(res.region or "us-east-1", 1.0)
    return factor, (f" × {factor:g} ({res.region})" if factor != 1.0 else "")


def asg_instance_type(asg: RecordedResource, templates: list[RecordedResource]) -> tuple[str | None, RecordedResource | None]:
    """Instance type an ASG runs and its launch template: the first mixed-policy override wins
    (it is the highest-priority type), else the referenced launch template's `instanceType`."""
    inputs = asg.inputs
    mip = inputs.get("mixedInstancesPolicy") or {}
    mlt = mip.get("launchTemplate") or {}
    spec = mlt.get("launchTemplateSpecification") or {}
    ref = (inputs.get("launchTemplate") or {}).get("id") or spec.get("launchTemplateId") \
        or (inputs.get("launchTemplate") or {}).get("name") or spec.get("launchTemplateName")
    template = resolve(ref, templates, sibling_of=asg)
    overrides = [o for o in (mlt.get("overrides") or []) if o.get("instanceType")]
    if overrides:
        return overrides[0]["instanceType"], template
    if template is not None:
        return template.inputs.get("instanceType"), template
    return None, None


def asg_instances(asg: RecordedResource) -> int:
    """Instances the plan runs: desiredCapacity, or minSize when desired is left to the autoscaler."""
    desired = asg.inputs.get("desiredCapacity")
    return int(_num(desired if desired is not None else asg.inputs.get("minSize")))


def spot_instances(asg: RecordedResource, count: int) -> float:
    """Spot share of `count`: above onDemandBaseCapacity, (100 − onDemandPercentageAboveBaseCapacity)%.

    AWS defaults (no mixed policy, or the fields absent) are base 0 and 100% on-demand.
    Fractional, because the estimate is an average over the month.
    """
    dist = (asg.inputs.get("mixedInstancesPolicy") or {}).get("instancesDistribution") or {}
    base = min(float(count), _num(dist.get("onDemandBaseCapacity"), 0.0))
    pct_on_demand = _num(dist.get("onDemandPercentageAboveBaseCapacity"), 100.0)
    return (count - base) * (100.0 - pct_on_demand) / 100.0


def _price_asg(asg, templates, model) -> list[CostLine]:
    count = asg_instances(asg)
    itype, template = asg_instance_type(asg, templates)
    if itype is None:
        raise PricingError(f"{asg.name}: no instance type (no launch template or override found)")
    hourly = _price(EC2_HOURLY_USD, itype, "instance type")
    factor, rtext = _region_factor(asg, model)
    if model == "flat":
        hourly = FLAT_MODEL["compute_hourly"]
    hourly *= factor
    spot = spot_instances(asg, count)
    on_demand = count - spot
    monthly = (on_demand + spot * SPOT_PRICE_FACTOR) * hourly * HOURS_PER_MONTH
    base_rate = FLAT_MODEL["compute_hourly"] if model == "flat" else EC2_HOURLY_USD[itype]
    reason = f"{count} × {itype} × {_usd(base_rate)}/h{rtext} × {HOURS_PER_MONTH:g} h"
    if spot:
        reason += f", {spot / count:.0%} spot at ×{SPOT_PRICE_FACTOR:g}" if count else ""
    lines = [CostLine(asg.name, monthly, reason)]

    # Root and data volumes of every instance, from the launch template's block devices.
    if template is not None:
        gb_by_type: dict[str, float] = {}
        for bdm in template.inputs.get("blockDeviceMappings") or []:
            ebs = bdm.get("ebs") or {}
            vtype = ebs.get("volumeType") or DEFAULT_EBS_VOLUME_TYPE
            gb_by_type[vtype] = gb_by_type.get(vtype, 0.0) + _num(ebs.get("volumeSize"))
        for vtype, gb in ((t, g) for t, g in gb_by_type.items() if g):
            rate = FLAT_MODEL["storage_gb_month"] if model == "flat" else _price(EBS_GB_MONTH_USD, vtype, "EBS volume type")
            lines.append(CostLine(
                f"{asg.name} ebs", count * gb * rate,
                f"{count} × {gb:g} GB {vtype} × {_usd(rate)}/GB-month"))
    return lines


def _price_rds(db, all_dbs, model) -> list[CostLine]:
    iclass = db.inputs.get("instanceClass")
    hourly = _price(RDS_HOURLY_USD, iclass, "RDS instance class")
    if model == "flat":
        hourly = FLAT_MODEL["database_hourly"]
    factor, rtext = _region_factor(db, model)
    copies = RDS_MULTI_AZ_FACTOR if _truthy(db.inputs.get("multiAz")) else 1.0
    az = " × 2 (Multi-AZ)" if copies > 1 else ""
    lines = [CostLine(db.name, hourly * factor * copies * HOURS_PER_MONTH,
                      f"1 × {iclass} × {_usd(hourly)}/h{rtext}{az} × {HOURS_PER_MONTH:g} h")]
    gb = _num(db.inputs.get("allocatedStorage"))
    if not gb and db.inputs.get("replicateSourceDb"):
        # A read replica inherits its source's storage size.
        src = resolve(db.inputs.get("replicateSourceDb"), [d for d in all_dbs if d is not db])
        gb = _num(src.inputs.get("allocatedStorage")) if src is not None else 0.0
    if gb:
        stype = db.inputs.get("storageType") or "gp3"
        rate = FLAT_MODEL["storage_gb_month"] if model == "flat" else _price(RDS_STORAGE_GB_MONTH_USD, stype, "RDS storage type")
        lines.append(CostLine(f"{db.name} storage", gb * rate * copies,
                              f"{gb:g} GB {stype} × {_usd(rate)}/GB-month{az}"))
    return lines


def cache_nodes(group: RecordedResource) -> int:
    """Nodes in a replication group: numCacheClusters, else (replicasPerNodeGroup + 1) × numNodeGroups."""
    inputs = group.inputs
    if inputs.get("numCacheClusters") is not None:
        return int(_num(inputs["numCacheClusters"]))
    return int((_num(inputs.get("replicasPerNodeGroup")) + 1) * _num(inputs.get("numNodeGroups"), 1.0))


def _price_cache(group, model) -> list[CostLine]:
    ntype = group.inputs.get("nodeType")
    hourly = _price(CACHE_NODE_HOURLY_USD, ntype, "cache node type")
    if model == "flat":
        hourly = FLAT_MODEL["compute_hourly"]
    factor, rtext = _region_factor(group, model)
    nodes = cache_nodes(group)
    return [CostLine(group.name, nodes * hourly * factor * HOURS_PER_MONTH,
                     f"{nodes} × {ntype} × {_usd(hourly)}/h{rtext} × {HOURS_PER_MONTH:g} h")]


def _price_volume(vol, model) -> list[CostLine]:
    vtype = vol.inputs.get("type") or DEFAULT_EBS_VOLUME_TYPE
    rate = FLAT_MODEL["storage_gb_month"] if model == "flat" else _price(EBS_GB_MONTH_USD, vtype, "EBS volume type")
    gb = _num(vol.inputs.get("size"))
    return [CostLine(vol.name, gb * rate, f"{gb:g} GB {vtype} × {_usd(rate)}/GB-month")]


def _lambda_edge_associations(dist: RecordedResource) -> int:
    behaviors = [dist.inputs.get("defaultCacheBehavior") or {}] + list(dist.inputs.get("orderedCacheBehaviors") or [])
    return sum(len(b.get("lambdaFunctionAssociations") or []) for b in behaviors)


def estimate_stack(
    resources: Iterable[RecordedResource],
    *,
    model: str = "aws",
    edge_gb_month: float = 0.0,
    edge_requests_month: float = 0.0,
    alb_lcus: float = DEFAULT_ALB_LCUS,
    nat_gb_month: float = 0.0,
) -> CostEstimate:
    """Price every priced resource in `resources` for one month.

    `edge_gb_month` / `edge_requests_month` are the expected CloudFront traffic of the whole stack
    (split evenly across distributions; Lambda@Edge charged per request for each association);
    `alb_lcus` the average LCUs per ALB; `nat_gb_month` the data processed per NAT gateway.
    Raises `PricingError` for types the table does not know, naming the allowed ones.
    """
    if model not in MODELS:
        raise PricingError(f"unknown pricing model {model!r}; allowed: {', '.join(MODELS)}")
    res = list(resources)
    templates = [r for r in res if r.type == LAUNCH_TEMPLATE]
    dbs = [r for r in res if r.type == RDS_INSTANCE]
    dists = [r for r in res if r.type == DISTRIBUTION]
    lines: list[CostLine] = []
    for r in res:
        if r.type == ASG:
            lines += _price_asg(r, templates, model)
        elif r.type == RDS_INSTANCE:
            lines += _price_rds(r, dbs, model)
        elif r.type == CACHE_GROUP:
            lines += _price_cache(r, model)
        elif r.type == EBS_VOLUME:
            lines += _price_volume(r, model)
        elif r.type == LOAD_BALANCER and (r.inputs.get("loadBalancerType") or "application") == "application":
            hourly = ALB_HOURLY_USD + alb_lcus * ALB_LCU_HOURLY_USD
            lines.append(CostLine(r.name, hourly * HOURS_PER_MONTH,
                                  f"({_usd(ALB_HOURLY_USD)}/h + {alb_lcus:g} LCU × {_usd(ALB_LCU_HOURLY_USD)}/LCU-h) × {HOURS_PER_MONTH:g} h"))
        elif r.type == NAT_GATEWAY:
            monthly = NAT_HOURLY_USD * HOURS_PER_MONTH + nat_gb_month * NAT_GB_PROCESSED_USD
            lines.append(CostLine(r.name, monthly,
                                  f"{_usd(NAT_HOURLY_USD)}/h × {HOURS_PER_MONTH:g} h + {nat_gb_month:g} GB × {_usd(NAT_GB_PROCESSED_USD)}/GB"))
        elif r.type == DISTRIBUTION:
            share = 1.0 / len(dists)
            gb, reqs = edge_gb_month * share, edge_requests_month * share
            gb_rate = FLAT_MODEL["bandwidth_gb"] if model == "flat" else CLOUDFRONT_GB_USD
            monthly = gb * gb_rate + reqs / 10_000 * CLOUDFRONT_HTTPS_PER_10K_USD
            reason = (f"{gb:g} GB × {_usd(gb_rate)}/GB + {reqs:g} requests × "
                      f"{_usd(CLOUDFRONT_HTTPS_PER_10K_USD)}/10k")
            assoc = _lambda_edge_associations(r)
            if assoc:
                per_req = (LAMBDA_EDGE_PER_1M_REQUESTS_USD / 1e6
                           + LAMBDA_EDGE_GB_SECONDS_PER_REQUEST * LAMBDA_EDGE_GB_SECOND_USD)
                monthly += assoc * reqs * per_req
                reason += f" + {assoc} Lambda@Edge × {reqs:g} requests × {_usd(per_req * 1e6)}/1M"
            lines.append(CostLine(r.name, monthly, reason))
    total = math.fsum(line.monthly_usd for line in lines)
    return CostEstimate(tuple(lines), total)

