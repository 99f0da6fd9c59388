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
from typing import Iterable, Mapping

from infra.cost.edge_pricing import price_distribution, price_web_acl, price_workers
from infra.cost.lines import (
    CostEstimate,
    CostLine,
    PricingError,
    number,
    table_price,
    truthy,
    usd,
)
from infra.cost.prices import (
    ALB_HOURLY_USD,
    ALB_LCU_HOURLY_USD,
    AWS_ENDPOINT_SUFFIXES,
    CACHE_NODE_HOURLY_USD,
    CLOUDWATCH_ALARM_METRIC_MONTH_USD,
    CLOUDWATCH_HIGH_RES_ALARM_METRIC_MONTH_USD,
    DEFAULT_ALB_LCUS,
    DEFAULT_EBS_VOLUME_TYPE,
    EBS_GB_MONTH_USD,
    EC2_HOURLY_USD,
    EDGE_CACHE_MISS_RATIO,
    EDGE_REQUEST_SHARE_BY_PATH,
    FLAT_MODEL,
    HOURS_PER_MONTH,
    KMS_KEY_MONTH_USD,
    MODELS,
    NAT_GB_PROCESSED_USD,
    NAT_HOURLY_USD,
    NO_MAX_PRICE_SPOT_FACTOR,
    PUBLIC_IPV4_HOURLY_USD,
    RDS_HOURLY_USD,
    RDS_MULTI_AZ_FACTOR,
    RDS_STORAGE_GB_MONTH_USD,
    REGION_MULTIPLIER,
    ROUTE53_HEALTH_CHECK_FEATURE_MONTH_USD,
    ROUTE53_HEALTH_CHECK_MONTH_USD,
    SNS_TOPIC_MONTH_USD,
)
from infra.cost.schedule_hours import floor_curve, schedules_by_group, split_on_demand, week_count
from infra.model.recorded import RecordedResource
from infra.model.references import resolve
from infra.model.resource_types import (
    ASG,
    ASG_SCHEDULE,
    CACHE_GROUP,
    DISTRIBUTION,
    EBS_VOLUME,
    EIP,
    HEALTH_CHECK,
    KMS_KEY,
    LAMBDA_FUNCTION,
    LAUNCH_TEMPLATE,
    LOAD_BALANCER,
    METRIC_ALARM,
    NAT_GATEWAY,
    RDS_INSTANCE,
    SNS_TOPIC,
    WEB_ACL,
    WORKERS_ROUTE,
    WORKERS_SCRIPT,
)

# Hosted-zone queries are not priced: weighted CNAME answers are cached by resolvers for their
# TTL, so their count does not follow requests; alias queries to AWS resources are free.


def on_demand_hourly(instance_type: str, region: str | None) -> float:
    """On-demand $/instance-hour of `instance_type` in `region` (EC2_HOURLY_USD x REGION_MULTIPLIER)."""
    return table_price(EC2_HOURLY_USD, instance_type, "instance type") * REGION_MULTIPLIER.get(region or "us-east-1", 1.0)


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
    return min(1.0, round(number(cap, what=f"{asg.name}: spotMaxPrice") / on_demand_hourly(instance_type, asg.region), 4))


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
        return int(number(desired, what=f"{asg.name}: desiredCapacity"))
    return int(number(asg.inputs.get("minSize"), what=f"{asg.name}: minSize"))


def spot_instances(asg: RecordedResource, count: int) -> float:
    """Spot share of `count`: above onDemandBaseCapacity, (100 − onDemandPercentageAboveBaseCapacity)%.

    AWS defaults (no mixed policy, or the fields absent) are base 0 and 100% on-demand.
    Fractional, because the estimate is an average over the month.
    """
    dist = (asg.inputs.get("mixedInstancesPolicy") or {}).get("instancesDistribution") or {}
    return split_on_demand(float(count), number(dist.get("onDemandBaseCapacity"), 0.0),
                           number(dist.get("onDemandPercentageAboveBaseCapacity"), 100.0))[1]


def _price_asg(asg: RecordedResource, templates: list[RecordedResource], model: str,
               schedules: list[RecordedResource] | None = None) -> list[CostLine]:
    """Compute at the week-averaged expected count (infra/cost/schedule_hours.py), spot split per hour."""
    itype, template = asg_instance_type(asg, templates)
    if itype is None:
        raise PricingError(f"{asg.name}: no instance type (no launch template or override found)")
    hourly = table_price(EC2_HOURLY_USD, itype, "instance type")
    factor, rtext = _region_factor(asg, model)
    if model == "flat":
        hourly = FLAT_MODEL["compute_hourly"]
    hourly *= factor
    dist = (asg.inputs.get("mixedInstancesPolicy") or {}).get("instancesDistribution") or {}
    week = week_count(floor_curve(schedules or []), asg_instances(asg),
                      number(asg.inputs.get("minSize"), what=f"{asg.name}: minSize"),
                      number(dist.get("onDemandBaseCapacity"), 0.0),
                      number(dist.get("onDemandPercentageAboveBaseCapacity"), 100.0))
    count, spot = week.avg_instances, week.avg_spot
    on_demand = count - spot
    spot_x = spot_factor(asg, itype) if spot else 1.0
    monthly = (on_demand + spot * spot_x) * hourly * HOURS_PER_MONTH
    base_rate = FLAT_MODEL["compute_hourly"] if model == "flat" else EC2_HOURLY_USD[itype]
    reason = f"{week.text} × {itype} × {usd(base_rate)}/h{rtext} × {HOURS_PER_MONTH:g} h"
    if spot:
        reason += f", {spot / count:.0%} spot at ×{spot_x:g}" if count else ""
    lines = [CostLine(asg.name, monthly, reason)]
    what = week.text if not week.scheduled_hours else f"{count:.2f} (avg)"

    # Root and data volumes of every instance, from the launch template's block devices.
    if template is not None:
        gb_by_type: dict[str, float] = {}
        for bdm in template.inputs.get("blockDeviceMappings") or []:
            ebs = bdm.get("ebs") or {}
            vtype = ebs.get("volumeType") or DEFAULT_EBS_VOLUME_TYPE
            gb_by_type[vtype] = gb_by_type.get(vtype, 0.0) + number(ebs.get("volumeSize"))
        for vtype, gb in ((t, g) for t, g in gb_by_type.items() if g):
            rate = FLAT_MODEL["storage_gb_month"] if model == "flat" else table_price(EBS_GB_MONTH_USD, vtype, "EBS volume type")
            lines.append(CostLine(
                f"{asg.name} ebs", count * gb * rate,
                f"{what} × {gb:g} GB {vtype} × {usd(rate)}/GB-month"))
    return lines


def _price_rds(db: RecordedResource, all_dbs: list[RecordedResource], model: str) -> list[CostLine]:
    iclass = db.inputs.get("instanceClass")
    hourly = table_price(RDS_HOURLY_USD, iclass, "RDS instance class")
    if model == "flat":
        hourly = FLAT_MODEL["database_hourly"]
    factor, rtext = _region_factor(db, model)
    copies = RDS_MULTI_AZ_FACTOR if truthy(db.inputs.get("multiAz")) else 1.0
    az = " × 2 (Multi-AZ)" if copies > 1 else ""
    lines = [CostLine(db.name, hourly * factor * copies * HOURS_PER_MONTH,
                      f"1 × {iclass} × {usd(hourly)}/h{rtext}{az} × {HOURS_PER_MONTH:g} h")]
    gb = number(db.inputs.get("allocatedStorage"))
    if not gb and db.inputs.get("replicateSourceDb"):
        # A read replica inherits its source's storage size.
        src = resolve(db.inputs.get("replicateSourceDb"), [d for d in all_dbs if d is not db])
        gb = number(src.inputs.get("allocatedStorage")) if src is not None else 0.0
    if gb:
        stype = db.inputs.get("storageType") or "gp3"
        rate = FLAT_MODEL["storage_gb_month"] if model == "flat" else table_price(RDS_STORAGE_GB_MONTH_USD, stype, "RDS storage type")
        lines.append(CostLine(f"{db.name} storage", gb * rate * copies,
                              f"{gb:g} GB {stype} × {usd(rate)}/GB-month{az}"))
    return lines


def cache_nodes(group: RecordedResource) -> int:
    """Nodes in a replication group: numCacheClusters, else (replicasPerNodeGroup + 1) × numNodeGroups."""
    inputs = group.inputs
    if inputs.get("numCacheClusters") is not None:
        return int(number(inputs["numCacheClusters"]))
    return int((number(inputs.get("replicasPerNodeGroup")) + 1) * number(inputs.get("numNodeGroups"), 1.0))


def _price_cache(group: RecordedResource, model: str) -> list[CostLine]:
    ntype = group.inputs.get("nodeType")
    hourly = table_price(CACHE_NODE_HOURLY_USD, ntype, "cache node type")
    if model == "flat":
        hourly = FLAT_MODEL["compute_hourly"]
    factor, rtext = _region_factor(group, model)
    nodes = cache_nodes(group)
    return [CostLine(group.name, nodes * hourly * factor * HOURS_PER_MONTH,
                     f"{nodes} × {ntype} × {usd(hourly)}/h{rtext} × {HOURS_PER_MONTH:g} h")]


def _price_volume(vol: RecordedResource, model: str) -> list[CostLine]:
    vtype = vol.inputs.get("type") or DEFAULT_EBS_VOLUME_TYPE
    rate = FLAT_MODEL["storage_gb_month"] if model == "flat" else table_price(EBS_GB_MONTH_USD, vtype, "EBS volume type")
    gb = number(vol.inputs.get("size"))
    return [CostLine(vol.name, gb * rate, f"{gb:g} GB {vtype} × {usd(rate)}/GB-month")]


def _price_health_check(hc: RecordedResource) -> list[CostLine]:
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
    if number(p.get("requestInterval"), 30.0) < 30:
        features.append("fast interval")
    if truthy(p.get("measureLatency")):
        features.append("latency measurement")
    base, per = ROUTE53_HEALTH_CHECK_MONTH_USD[endpoint], ROUTE53_HEALTH_CHECK_FEATURE_MONTH_USD[endpoint]
    what = "AWS endpoint" if endpoint == "aws" else "non-AWS endpoint"
    reason = f"{what} {usd(base)}" + (f" + {len(features)} feature(s) ({', '.join(features)}) × {usd(per)}"
                                      if features else "")
    return [CostLine(hc.name, base + len(features) * per, reason)]


def _alarm_metrics(alarm: RecordedResource) -> list[float]:
    """Period of every metric an alarm is billed for (one per metric a metric-math alarm reads)."""
    queries = alarm.inputs.get("metricQueries") or []
    if queries:
        return [number((q.get("metric") or {}).get("period"), 60.0) for q in queries if q.get("metric")]
    return [number(alarm.inputs.get("period"), 60.0)]


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
                  f"{usd(CLOUDWATCH_ALARM_METRIC_MONTH_USD)}")
        if high:
            reason += f" + {high} high-resolution × {usd(CLOUDWATCH_HIGH_RES_ALARM_METRIC_MONTH_USD)}"
        lines.append(CostLine(f"cloudwatch alarms ({region})", cost, reason))
    return lines


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
    schedules = schedules_by_group([r for r in res if r.type == ASG_SCHEDULE], [r for r in res if r.type == ASG])
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
            lines += _price_asg(r, templates, model, schedules.get(r.name))
        elif r.type == RDS_INSTANCE:
            lines += _price_rds(r, dbs, model)
        elif r.type == CACHE_GROUP:
            lines += _price_cache(r, model)
        elif r.type == EBS_VOLUME:
            lines += _price_volume(r, model)
        elif r.type == LOAD_BALANCER and (r.inputs.get("loadBalancerType") or "application") == "application":
            hourly = ALB_HOURLY_USD + alb_lcus * ALB_LCU_HOURLY_USD
            lines.append(CostLine(r.name, hourly * HOURS_PER_MONTH,
                                  f"({usd(ALB_HOURLY_USD)}/h + {alb_lcus:g} LCU × {usd(ALB_LCU_HOURLY_USD)}/LCU-h) × {HOURS_PER_MONTH:g} h"))
        elif r.type == NAT_GATEWAY:
            monthly = NAT_HOURLY_USD * HOURS_PER_MONTH + nat_gb_month * NAT_GB_PROCESSED_USD
            lines.append(CostLine(r.name, monthly,
                                  f"{usd(NAT_HOURLY_USD)}/h × {HOURS_PER_MONTH:g} h + {nat_gb_month:g} GB × {usd(NAT_GB_PROCESSED_USD)}/GB"))
        elif r.type == DISTRIBUTION:
            lines += price_distribution(r, functions, gb=edge_gb_month / len(dists), reqs=dist_requests,
                                         model=model, path_shares=shares, miss_ratio=edge_cache_miss_ratio)
        elif r.type == WEB_ACL:
            lines += price_web_acl(r, acl_requests.get(r.name, 0.0))
        elif r.type == HEALTH_CHECK:
            lines += _price_health_check(r)
        elif r.type == KMS_KEY:
            lines.append(CostLine(r.name, KMS_KEY_MONTH_USD, f"1 customer-managed key × {usd(KMS_KEY_MONTH_USD)}/month"))
        elif r.type == EIP:
            lines.append(CostLine(r.name, PUBLIC_IPV4_HOURLY_USD * HOURS_PER_MONTH,
                                  f"1 public IPv4 × {usd(PUBLIC_IPV4_HOURLY_USD)}/h × {HOURS_PER_MONTH:g} h"))
        elif r.type == SNS_TOPIC:
            lines.append(CostLine(r.name, SNS_TOPIC_MONTH_USD,
                                  "no per-topic fee; alarm notifications stay within the 1M free publishes"))
    alarms = [r for r in res if r.type == METRIC_ALARM]
    if alarms:
        lines += _price_alarms(alarms)
    scripts = [r for r in res if r.type == WORKERS_SCRIPT]
    if scripts:
        lines += price_workers(scripts, [r for r in res if r.type == WORKERS_ROUTE],
                                cloudflare_requests_month, shares)
    total = math.fsum(line.monthly_usd for line in lines)
    return CostEstimate(tuple(lines), total)
