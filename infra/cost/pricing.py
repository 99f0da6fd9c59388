"""Monthly cost of a recorded stack, from a cited price table (pure: no pulumi, no boto3).

Two models:
- `"aws"` (default): the AWS public price list below — on-demand Linux, us-east-1, as listed
  on the AWS pricing pages on 2025-01-15 (`PRICE_SOURCE`), with a per-region multiplier.
- `"flat"`: relay's flat model (`FLAT_MODEL`, relay "Cost Optimization"), kept as the named
  fallback the old runbook used for quick what-ifs.

Every priced resource becomes one `CostLine` whose `reason` shows the arithmetic, so a reviewer
can redo it by hand. Resources the table does not price (IAM, scaling policies, routes, security
groups, …) cost $0; services with no monthly fee at this scale (SNS) get a $0 line saying why.

Edge traffic is an input, not a resource property: `edge_gb_month` / `edge_requests_month` are
the CloudFront share and `cloudflare_requests_month` the Cloudflare share of the stack config's
`edge.expected_gb_month` / `edge.expected_requests_month`, split by provider weight
(`infra/edge_plan.edge_traffic`). Within a CDN, requests split by path with
`EDGE_REQUEST_SHARE_BY_PATH` and cached behaviours reach the origin on `EDGE_CACHE_MISS_RATIO`
of their requests (both chosen defaults, overridable per call).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from infra.model.recorded import RecordedResource
from infra.model.references import resolve

# A month is 365 × 24 / 12 = 730 hours: AWS bills monthly estimates on 730 h (the AWS Pricing
# Calculator uses it). relay's flat model quoted "monthly: 72" for $0.10/h, i.e. 720 h; we keep
# one month length for both models so they differ only in rates.
HOURS_PER_MONTH = 730.0

PRICE_SOURCE = "AWS public price list, on-demand Linux, us-east-1, retrieved 2025-01-15"

# Spot capacity is priced at its ceiling: the ASG's spotMaxPrice, which the plan sets to the
# class's novacron "6. Cost Optimization" implement_spot_strategy max_price ('on_demand * 0.7'
# stateless / 0.6 batch / 0.5 dev; `spot_max_price` below). Without one AWS caps spot at the
# on-demand price, so a spot instance is priced as on-demand (factor 1). A ceiling, so a
# conservative estimate of what spot really costs.
NO_MAX_PRICE_SPOT_FACTOR = 1.0

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
# Data transfer out tiers, North America (aws.amazon.com/cloudfront/pricing, PRICE_SOURCE date):
# (tier size in GB, $/GB); 1 TB = 1,024 GB as the AWS Pricing Calculator counts. The always-free
# 1 TB / 10M requests per month is not subtracted (a conservative estimate). PriceClass_All
# also serves from dearer regions; the North America rate is applied to all traffic.
CLOUDFRONT_GB_TIERS_USD: tuple[tuple[float, float], ...] = (
    (10 * 1024, 0.085), (40 * 1024, 0.080), (100 * 1024, 0.060), (350 * 1024, 0.040),
    (524 * 1024, 0.030), (4 * 1024 * 1024, 0.025), (math.inf, 0.020))
# Lambda@Edge: $0.60 per 1M requests + $0.00005001 per GB-second (aws.amazon.com/lambda/pricing,
# "Lambda@Edge", PRICE_SOURCE date). Duration is billed at the function's memory; a header
# rewrite or routing-table lookup takes ~5 ms (chosen; the runbook gives no figure).
LAMBDA_EDGE_PER_1M_REQUESTS_USD = 0.60
LAMBDA_EDGE_GB_SECOND_USD = 0.00005001
LAMBDA_EDGE_DURATION_S = 0.005
LAMBDA_EDGE_DEFAULT_MEMORY_MB = 128.0  # the minimum; used when the function is not in the stack
LAMBDA_EDGE_GB_SECONDS_PER_REQUEST = LAMBDA_EDGE_DEFAULT_MEMORY_MB / 1024 * LAMBDA_EDGE_DURATION_S
# Which requests an association sees (CloudFront Developer Guide, "CloudFront events that can
# trigger a Lambda@Edge function"): viewer events run on every request of the behaviour, origin
# events only when CloudFront goes to the origin (a cache miss; every request when the behaviour's
# cache policy is CachingDisabled).
VIEWER_EVENTS = ("viewer-request", "viewer-response")
# Chosen defaults (no runbook figure): the share of a CDN's requests per path pattern and the
# share of cacheable requests that miss the cache. The default behaviour gets what the listed
# patterns leave (1 − their sum); a pattern not listed here gets 0.
EDGE_REQUEST_SHARE_BY_PATH: dict[str, float] = {"/api/*": 0.5, "/static/*": 0.3, "/secure/*": 0.05}
EDGE_CACHE_MISS_RATIO = 0.1

# AWS WAF (aws.amazon.com/waf/pricing, PRICE_SOURCE date): $5 per web ACL-month, $1 per rule-month,
# $0.60 per 1M requests inspected (every request of the distributions using the ACL).
WAF_WEB_ACL_MONTH_USD = 5.0
WAF_RULE_MONTH_USD = 1.0
WAF_PER_1M_REQUESTS_USD = 0.60

# Route53 health checks (aws.amazon.com/route53/pricing, PRICE_SOURCE date): basic $0.50/month on
# an AWS endpoint, $0.75 otherwise; each optional feature (HTTPS, string matching, 10 s fast
# interval, latency measurement) +$1.00 (AWS endpoint) / +$2.00 (other). An endpoint counts as
# AWS when its fqdn is an AWS service name (`AWS_ENDPOINT_SUFFIXES`); anything else is priced as
# non-AWS (conservative: a custom name aliasing an ALB may bill at the AWS rate).
ROUTE53_HEALTH_CHECK_MONTH_USD = {"aws": 0.50, "other": 0.75}
ROUTE53_HEALTH_CHECK_FEATURE_MONTH_USD = {"aws": 1.00, "other": 2.00}
AWS_ENDPOINT_SUFFIXES = (".amazonaws.com", ".cloudfront.net")
# Hosted-zone queries are not priced: weighted CNAME answers are cached by resolvers for their
# TTL, so their count does not follow requests; alias queries to AWS resources are free.

# S3 Standard $/GB-month (aws.amazon.com/s3/pricing, PRICE_SOURCE date) for CloudFront standard
# logs: one gzip'd log line per request, ~50 bytes (a ~500-byte W3C line at ~10:1; chosen).
# The month's logs are priced; without a lifecycle rule storage accumulates month over month.
S3_STANDARD_GB_MONTH_USD = 0.023
CLOUDFRONT_LOG_BYTES_PER_REQUEST = 50.0

# KMS (aws.amazon.com/kms/pricing, PRICE_SOURCE date): $1 per customer-managed key-month
# (API requests, $0.03/10k, are not modelled). Rotated key material adds $1/month for each of
# the first two rotations; not modelled.
KMS_KEY_MONTH_USD = 1.0

# CloudWatch alarms (aws.amazon.com/cloudwatch/pricing, PRICE_SOURCE date): $0.10 per standard-
# resolution alarm metric-month, $0.30 high resolution (period < 60 s); a metric-math alarm is
# billed per metric it reads. The 10 free alarms are not subtracted.
CLOUDWATCH_ALARM_METRIC_MONTH_USD = 0.10
CLOUDWATCH_HIGH_RES_ALARM_METRIC_MONTH_USD = 0.30

# Public IPv4 (aws.amazon.com/vpc/pricing, "Public IPv4 address", since 2024-02-01): $0.005 per
# address-hour, attached or idle. EIPs are priced; the ALBs' own public addresses are not.
PUBLIC_IPV4_HOURLY_USD = 0.005

# SNS standard topics have no monthly fee; the first 1M publishes a month are free and alarm
# notifications stay far below that (aws.amazon.com/sns/pricing, PRICE_SOURCE date).
SNS_TOPIC_MONTH_USD = 0.0

# Cloudflare Workers Paid, Standard usage model (developers.cloudflare.com/workers/platform/pricing,
# in effect since 2024-03-01; figures checked 2026-11-23): $5/month per account including 10M
# requests and 30M CPU-ms; then $0.30 per 1M requests and $0.02 per 1M CPU-ms. CPU per request
# is priced at each script's `limits.cpu_ms` cap (an upper bound: rate-limiter 10 ms,
# auth-validator 50 ms).
CLOUDFLARE_WORKERS_SOURCE = ("Cloudflare Workers Paid, Standard usage model, "
                             "developers.cloudflare.com/workers/platform/pricing, checked 2026-11-23")
CLOUDFLARE_WORKERS_MONTH_USD = 5.0
CLOUDFLARE_WORKERS_INCLUDED_REQUESTS = 10_000_000
CLOUDFLARE_WORKERS_INCLUDED_CPU_MS = 30_000_000
CLOUDFLARE_WORKERS_PER_1M_REQUESTS_USD = 0.30
CLOUDFLARE_WORKERS_PER_1M_CPU_MS_USD = 0.02

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

# Emergency scale-up (emergency.mode up) may spend up to this × the monthly budget when the stack
# names no `emergency.budget_ceiling_usd_month`: a chosen default (the runbooks give no figure).
# `stack-budget` (policies/rules.py, config `emergency_ceiling_factor`) and the plan's emergency
# note read it from here.
EMERGENCY_CEILING_FACTOR = 1.5

ASG = "aws:autoscaling/group:Group"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
RDS_INSTANCE = "aws:rds/instance:Instance"
CACHE_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
EBS_VOLUME = "aws:ebs/volume:Volume"
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
NAT_GATEWAY = "aws:ec2/natGateway:NatGateway"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
LAMBDA_FUNCTION = "aws:lambda/function:Function"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
HEALTH_CHECK = "aws:route53/healthCheck:HealthCheck"
KMS_KEY = "aws:kms/key:Key"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
EIP = "aws:ec2/eip:Eip"
SNS_TOPIC = "aws:sns/topic:Topic"
WORKERS_SCRIPT = "cloudflare:index/workersScript:WorkersScript"
WORKERS_ROUTE = "cloudflare:index/workersRoute:WorkersRoute"


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


# Values not known when pricing, priced as absent (`default`): offline mocks show an unknown output
# as "[unknown]" and a secret as "[secret]" (infra/offline/runner.py); under `pulumi preview` the policy
# analyzer hands over pulumi_policy's UNKNOWN_STRING_VALUE (policies/rules.UNKNOWN). Not imported:
# pricing stays pure, and rules imports pricing.
UNKNOWN_VALUES = ("[unknown]", "[secret]", "04da6b54-80e4-46f7-96ec-b56ff0331ba9")


def _num(value: Any, default: float = 0.0, what: str = "value") -> float:
    """Inputs arrive as floats (or strings from some providers); absent or unknown means `default`.

    Any other string that is not a number raises PricingError naming `what`: defaulting it (to 0
    instances, 0 GB, ...) would under-count the estimate the budget policies check.
    """
    if value is None or value == "" or value in UNKNOWN_VALUES:
        return default
    try:
        return float(value)
    except ValueError:
        raise PricingError(f"{what} {value!r} is not a number; allowed: a number, or absent/unknown "
                           f"({', '.join(UNKNOWN_VALUES[:2])})") from None
    except TypeError:
        return default


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _price(table: Mapping[str, float], key: Any, what: str) -> float:
    if key not in table:
        raise PricingError(f"unknown {what} {key!r}; allowed: {', '.join(table)}")
    return table[key]


def _usd(x: float) -> str:
    """$ with every significant digit of a rate below $1 (at least two decimals), cents above."""
    if x >= 1 or x == 0:
        return f"${x:,.2f}"
    digits = f"{x:.10f}".rstrip("0")
    return "$" + (digits if len(digits.split(".")[1]) >= 2 else f"{x:.2f}")


def on_demand_hourly(instance_type: str, region: str | None) -> float:
    """On-demand $/instance-hour of `instance_type` in `region` (EC2_HOURLY_USD x REGION_MULTIPLIER)."""
    return _price(EC2_HOURLY_USD, instance_type, "instance type") * REGION_MULTIPLIER.get(region or "us-east-1", 1.0)


def spot_max_price(instance_type: str, region: str | None, factor: float) -> str:
    """novacron implement_spot_strategy max_price 'on_demand * factor' as the ASG's spot_max_price
    string ($/h, 6 decimals at most)."""
    return f"{round(on_demand_hourly(instance_type, region) * factor, 6):.6f}".rstrip("0").rstrip(".")


def spot_factor(asg: RecordedResource, instance_type: str) -> float:
    """Spot $/h as a share of on-demand: spotMaxPrice / on-demand (the class's max-price factor),
    else NO_MAX_PRICE_SPOT_FACTOR; never above 1 (AWS never charges spot above on-demand)."""
    dist = (asg.inputs.get("mixedInstancesPolicy") or {}).get("instancesDistribution") or {}
    cap = dist.get("spotMaxPrice")
    if cap in (None, ""):
        return NO_MAX_PRICE_SPOT_FACTOR
    return min(1.0, round(_num(cap, what=f"{asg.name}: spotMaxPrice") / on_demand_hourly(instance_type, asg.region), 4))


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
    if desired is not None:
        return int(_num(desired, what=f"{asg.name}: desiredCapacity"))
    return int(_num(asg.inputs.get("minSize"), what=f"{asg.name}: minSize"))


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
    spot_x = spot_factor(asg, itype) if spot else 1.0
    monthly = (on_demand + spot * spot_x) * hourly * HOURS_PER_MONTH
    base_rate = FLAT_MODEL["compute_hourly"] if model == "flat" else EC2_HOURLY_USD[itype]
    reason = f"{count} × {itype} × {_usd(base_rate)}/h{rtext} × {HOURS_PER_MONTH:g} h"
    if spot:
        reason += f", {spot / count:.0%} spot at ×{spot_x:g}" if count else ""
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


def _n(x: float) -> str:
    """A quantity for a reason string: thousands separators, no float noise."""
    return f"{x:,.0f}" if abs(x - round(x)) < 1e-6 else f"{x:,.2f}"


def cloudfront_transfer(gb: float, model: str = "aws") -> tuple[float, str]:
    """Monthly $ and arithmetic for `gb` of CloudFront data transfer out (tiered, North America)."""
    if model == "flat":
        rate = FLAT_MODEL["bandwidth_gb"]
        return gb * rate, f"{_n(gb)} GB × {_usd(rate)}/GB"
    total, left, parts = 0.0, gb, []
    for size, rate in CLOUDFRONT_GB_TIERS_USD:
        used = min(left, size)
        if used <= 0:
            break
        total += used * rate
        parts.append(f"{_n(used)} GB × {_usd(rate)}")
        left -= used
    return total, " + ".join(parts) or "0 GB"


def _caching_disabled(behavior: Mapping[str, Any]) -> bool:
    from infra.planning.edge_plan import MANAGED_CACHE_POLICIES  # the managed policy ids' one home

    return behavior.get("cachePolicyId") == MANAGED_CACHE_POLICIES["CachingDisabled"]


def behavior_shares(dist: RecordedResource, shares: Mapping[str, float]) -> list[tuple[str, Mapping[str, Any], float]]:
    """(path, behaviour, share of the distribution's requests) for the default and ordered
    behaviours: ordered patterns take their share from `shares` (0 when not listed), the default
    behaviour what they leave."""
    ordered = [(str(b.get("pathPattern")), b) for b in dist.inputs.get("orderedCacheBehaviors") or []]
    listed = math.fsum(float(shares.get(path, 0.0)) for path, _ in ordered)
    out = [("default", dist.inputs.get("defaultCacheBehavior") or {}, max(0.0, 1.0 - listed))]
    return out + [(path, b, float(shares.get(path, 0.0))) for path, b in ordered]


def _function_name_in_arn(arn: Any) -> str | None:
    """`arn:aws:lambda:us-east-1:123:function:NAME:VERSION` -> NAME."""
    if not isinstance(arn, str) or ":function:" not in arn:
        return None
    return arn.split(":function:", 1)[1].split(":", 1)[0]


def _lambda_for(arn: Any, functions: list[RecordedResource]) -> RecordedResource | None:
    """The stack's function an association's ARN names: by resource name or `name` input; the
    engine's auto-names add a `-<suffix>` to the resource name."""
    name = _function_name_in_arn(arn)
    if name is None:
        return None
    for fn in functions:
        if name in (fn.name, fn.inputs.get("name")) or name.startswith(fn.name + "-"):
            return fn
    return None


def _price_distribution(dist, functions, *, gb, reqs, model, path_shares, miss_ratio) -> list[CostLine]:
    transfer, how = cloudfront_transfer(gb, model)
    lines = [CostLine(f"{dist.name} data transfer", transfer, how),
             CostLine(f"{dist.name} requests", reqs / 10_000 * CLOUDFRONT_HTTPS_PER_10K_USD,
                      f"{_n(reqs)} HTTPS requests × {_usd(CLOUDFRONT_HTTPS_PER_10K_USD)}/10k")]
    # Lambda@Edge: per function, the requests of every association (behaviour share × event).
    per_fn: dict[str, dict[str, Any]] = {}
    for path, behavior, share in behavior_shares(dist, path_shares):
        uncached = _caching_disabled(behavior)
        for assoc in behavior.get("lambdaFunctionAssociations") or []:
            event = str(assoc.get("eventType") or "")
            fn = _lambda_for(assoc.get("lambdaArn"), functions)
            key = fn.name if fn is not None else (_function_name_in_arn(assoc.get("lambdaArn")) or "function")
            hit = 1.0 if event in VIEWER_EVENTS or uncached else miss_ratio
            why = "every request" if event in VIEWER_EVENTS else ("CachingDisabled" if uncached else f"{hit:.0%} misses")
            entry = per_fn.setdefault(key, {"fn": fn, "requests": 0.0, "parts": []})
            entry["requests"] += reqs * share * hit
            entry["parts"].append(f"{event} on {path} {share:.0%} × {why}")
    for key, entry in per_fn.items():
        fn = entry["fn"]
        memory = _num(fn.inputs.get("memorySize"), LAMBDA_EDGE_DEFAULT_MEMORY_MB) if fn is not None \
            else LAMBDA_EDGE_DEFAULT_MEMORY_MB
        n = entry["requests"]
        gb_s = n * memory / 1024 * LAMBDA_EDGE_DURATION_S
        cost = n / 1e6 * LAMBDA_EDGE_PER_1M_REQUESTS_USD + gb_s * LAMBDA_EDGE_GB_SECOND_USD
        lines.append(CostLine(
            f"{dist.name} Lambda@Edge {key}", cost,
            f"{_n(n)} requests ({'; '.join(entry['parts'])}) × {_usd(LAMBDA_EDGE_PER_1M_REQUESTS_USD)}/1M"
            f" + {_n(memory)} MB × {LAMBDA_EDGE_DURATION_S * 1000:g} ms each × "
            f"{_usd(LAMBDA_EDGE_GB_SECOND_USD)}/GB-s"))
    if dist.inputs.get("loggingConfig"):
        log_gb = reqs * CLOUDFRONT_LOG_BYTES_PER_REQUEST / 1e9
        lines.append(CostLine(f"{dist.name} access logs", log_gb * S3_STANDARD_GB_MONTH_USD,
                              f"{_n(reqs)} requests × {CLOUDFRONT_LOG_BYTES_PER_REQUEST:g} B = {_n(log_gb)} GB "
                              f"× {_usd(S3_STANDARD_GB_MONTH_USD)}/GB-month (S3 Standard)"))
    return lines


def _price_web_acl(acl, requests: float) -> list[CostLine]:
    rules = len(acl.inputs.get("rules") or [])
    cost = WAF_WEB_ACL_MONTH_USD + rules * WAF_RULE_MONTH_USD + requests / 1e6 * WAF_PER_1M_REQUESTS_USD
    return [CostLine(acl.name, cost, f"{_usd(WAF_WEB_ACL_MONTH_USD)} web ACL + {rules} rule(s) × "
                                     f"{_usd(WAF_RULE_MONTH_USD)} + {_n(requests)} requests × "
                                     f"{_usd(WAF_PER_1M_REQUESTS_USD)}/1M")]


def _price_health_check(hc) -> list[CostLine]:
    p = hc.inputs
    htype = str(p.get("type") or "")
    fqdn = str(p.get("fqdn") or "")
    endpoint = "aws" if htype in ("CALCULATED", "CLOUDWATCH_METRIC", "RECOVERY_CONTROL") \
        or fqdn.endswith(AWS_ENDPOINT_SUFFIXES) else "other"
    features = []
    if htype.startswith("HTTPS"):
        features.append("HTTPS")
    if htype.endswith("STR_MATCH"):
        features.append("string matching")
    if _num(p.get("requestInterval"), 30.0) < 30:
        features.append("fast interval")
    if _truthy(p.get("measureLatency")):
        features.append("latency measurement")
    base, per = ROUTE53_HEALTH_CHECK_MONTH_USD[endpoint], ROUTE53_HEALTH_CHECK_FEATURE_MONTH_USD[endpoint]
    what = "AWS endpoint" if endpoint == "aws" else "non-AWS endpoint"
    reason = f"{what} {_usd(base)}" + (f" + {len(features)} feature(s) ({', '.join(features)}) × {_usd(per)}"
                                      if features else "")
    return [CostLine(hc.name, base + len(features) * per, reason)]


def _alarm_metrics(alarm) -> list[float]:
    """Period of every metric an alarm is billed for (one per metric a metric-math alarm reads)."""
    queries = alarm.inputs.get("metricQueries") or []
    if queries:
        return [_num((q.get("metric") or {}).get("period"), 60.0) for q in queries if q.get("metric")]
    return [_num(alarm.inputs.get("period"), 60.0)]


def _price_alarms(alarms: list[RecordedResource]) -> list[CostLine]:
    """One line per region: standard and high-resolution alarm metrics."""
    by_region: dict[str, list[RecordedResource]] = {}
    for alarm in alarms:
        by_region.setdefault(alarm.region or "us-east-1", []).append(alarm)
    lines = []
    for region, members in by_region.items():
        periods = [p for a in members for p in _alarm_metrics(a)]
        high = sum(1 for p in periods if p < 60)
        std = len(periods) - high
        math_alarms = sum(1 for a in members if a.inputs.get("metricQueries"))
        cost = std * CLOUDWATCH_ALARM_METRIC_MONTH_USD + high * CLOUDWATCH_HIGH_RES_ALARM_METRIC_MONTH_USD
        reason = (f"{len(members)} alarms ({math_alarms} metric math) reading {std} standard metric(s) × "
                  f"{_usd(CLOUDWATCH_ALARM_METRIC_MONTH_USD)}")
        if high:
            reason += f" + {high} high-resolution × {_usd(CLOUDWATCH_HIGH_RES_ALARM_METRIC_MONTH_USD)}"
        lines.append(CostLine(f"cloudwatch alarms ({region})", cost, reason))
    return lines


def _route_path(pattern: Any) -> str:
    """`www.example.com/api/*` or `*/api/*` -> `/api/*`."""
    text = str(pattern or "")
    return text[text.index("/"):] if "/" in text else text


def _price_workers(scripts, routes, requests: float, path_shares: Mapping[str, float]) -> list[CostLine]:
    """Cloudflare Workers Paid: one account line; each script's requests = the Cloudflare share
    of its routes' paths, CPU at its `limits.cpuMs` cap."""
    by_name = {str(s.inputs.get("scriptName") or s.name): s for s in scripts}
    total_req, total_cpu, parts = 0.0, 0.0, []
    for name, script in by_name.items():
        paths = [_route_path(r.inputs.get("pattern")) for r in routes if r.inputs.get("script") == name]
        n = requests * math.fsum(float(path_shares.get(p, 0.0)) for p in paths)
        cpu_ms = _num((script.inputs.get("limits") or {}).get("cpuMs"))
        total_req += n
        total_cpu += n * cpu_ms
        parts.append(f"{name} {_n(n)} req ({', '.join(paths) or 'no route'}) × {cpu_ms:g} ms CPU")
    extra_req = max(0.0, total_req - CLOUDFLARE_WORKERS_INCLUDED_REQUESTS)
    extra_cpu = max(0.0, total_cpu - CLOUDFLARE_WORKERS_INCLUDED_CPU_MS)
    cost = (CLOUDFLARE_WORKERS_MONTH_USD + extra_req / 1e6 * CLOUDFLARE_WORKERS_PER_1M_REQUESTS_USD
            + extra_cpu / 1e6 * CLOUDFLARE_WORKERS_PER_1M_CPU_MS_USD)
    reason = (f"{_usd(CLOUDFLARE_WORKERS_MONTH_USD)} Workers Paid + {_n(extra_req)} requests over 10M × "
              f"{_usd(CLOUDFLARE_WORKERS_PER_1M_REQUESTS_USD)}/1M + {_n(extra_cpu)} CPU-ms over 30M × "
              f"{_usd(CLOUDFLARE_WORKERS_PER_1M_CPU_MS_USD)}/1M ({'; '.join(parts)})")
    return [CostLine("cloudflare workers", cost, reason)]


def estimate_stack(
    resources: Iterable[RecordedResource],
    *,
    model: str = "aws",
    edge_gb_month: float = 0.0,
    edge_requests_month: float = 0.0,
    cloudflare_requests_month: float = 0.0,
    alb_lcus: float = DEFAULT_ALB_LCUS,
    nat_gb_month: float = 0.0,
    edge_path_shares: Mapping[str, float] | None = None,
    edge_cache_miss_ratio: float = EDGE_CACHE_MISS_RATIO,
) -> CostEstimate:
    """Price every priced resource in `resources` for one month.

    `edge_gb_month` / `edge_requests_month` are the expected CloudFront traffic (the aws
    provider's share of the stack's edge traffic; split evenly across distributions), and
    `cloudflare_requests_month` the Cloudflare share (Workers requests by route path);
    `edge_path_shares` / `edge_cache_miss_ratio` default to `EDGE_REQUEST_SHARE_BY_PATH` /
    `EDGE_CACHE_MISS_RATIO`; `alb_lcus` the average LCUs per ALB; `nat_gb_month` the data processed
    per NAT gateway. Raises `PricingError` for types the table does not know, naming the allowed ones.
    """
    if model not in MODELS:
        raise PricingError(f"unknown pricing model {model!r}; allowed: {', '.join(MODELS)}")
    shares = EDGE_REQUEST_SHARE_BY_PATH if edge_path_shares is None else edge_path_shares
    res = list(resources)
    templates = [r for r in res if r.type == LAUNCH_TEMPLATE]
    dbs = [r for r in res if r.type == RDS_INSTANCE]
    dists = [r for r in res if r.type == DISTRIBUTION]
    functions = [r for r in res if r.type == LAMBDA_FUNCTION]
    acls = [r for r in res if r.type == WEB_ACL]
    dist_requests = edge_requests_month / len(dists) if dists else 0.0
    acl_requests: dict[str, float] = {}
    for d in dists:
        acl = resolve(d.inputs.get("webAclId"), acls, sibling_of=d) if d.inputs.get("webAclId") else None
        if acl is not None:
            acl_requests[acl.name] = acl_requests.get(acl.name, 0.0) + dist_requests
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
            lines += _price_distribution(r, functions, gb=edge_gb_month / len(dists), reqs=dist_requests,
                                         model=model, path_shares=shares, miss_ratio=edge_cache_miss_ratio)
        elif r.type == WEB_ACL:
            lines += _price_web_acl(r, acl_requests.get(r.name, 0.0))
        elif r.type == HEALTH_CHECK:
            lines += _price_health_check(r)
        elif r.type == KMS_KEY:
            lines.append(CostLine(r.name, KMS_KEY_MONTH_USD, f"1 customer-managed key × {_usd(KMS_KEY_MONTH_USD)}/month"))
        elif r.type == EIP:
            lines.append(CostLine(r.name, PUBLIC_IPV4_HOURLY_USD * HOURS_PER_MONTH,
                                  f"1 public IPv4 × {_usd(PUBLIC_IPV4_HOURLY_USD)}/h × {HOURS_PER_MONTH:g} h"))
        elif r.type == SNS_TOPIC:
            lines.append(CostLine(r.name, SNS_TOPIC_MONTH_USD,
                                  "no per-topic fee; alarm notifications stay within the 1M free publishes"))
    alarms = [r for r in res if r.type == METRIC_ALARM]
    if alarms:
        lines += _price_alarms(alarms)
    scripts = [r for r in res if r.type == WORKERS_SCRIPT]
    if scripts:
        lines += _price_workers(scripts, [r for r in res if r.type == WORKERS_ROUTE],
                                cloudflare_requests_month, shares)
    total = math.fsum(line.monthly_usd for line in lines)
    return CostEstimate(tuple(lines), total)
