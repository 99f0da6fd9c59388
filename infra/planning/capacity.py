"""The capacity planner: config (+ forecast) in, a CapacityPlan out, a reason for every number.

Pure (no pulumi, no boto3; tests/system/test_purity.py enforces it). Components only encode
what this module decides. Each runbook rule is implemented once, in a named function or
constant, with a comment citing its section.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from infra.config import PlatformConfig, RegionConfig
from infra.model.capacity import (
    MAX_SCALE_LEVEL,
    NODE_TYPES,
    RESOURCE_PROFILES,
    STORAGE_TB_THRESHOLDS,
    TPS_THRESHOLDS,
    USER_THRESHOLDS,
    CapacityPlan,
    Figure,
    NodePlan,
    RegionPlan,
    TierPlan,
)
from infra.model.catalog import AWS_REGION_TIMEZONES, INSTANCE_TYPES
from infra.model.tiers import FRONT_TIER
from infra.planning.forecast import hour_of_week_curve
from infra.planning.overflow import largest_remainder

# ---------------------------------------------------------------------------------------------
# relay "Horizontal Scaling" -> "Node Distribution" (NodeScaling): node types and thresholds.


# relay "Vertical Scaling" -> "Resource Scaling" (ResourceScaling.resourceProfiles):
# cpu in vCPU, memory in GiB, storage in GB, bandwidth in Mbps.


# Digits kept before rounding up, so 13200.000000000002 rps does not become one extra instance.
_ROUND_DIGITS = 6


def _ceil(value: float) -> int:
    return math.ceil(round(value, _ROUND_DIGITS))


# ---------------------------------------------------------------------------------------------
# Plan data


# ---------------------------------------------------------------------------------------------
# relay "Node Distribution"


def scale_level(value: float, thresholds: tuple[float, ...]) -> int:
    """Number of thresholds the metric meets (relay NodeScaling.getScaleLevel)."""
    return sum(1 for threshold in thresholds if value >= threshold)


def plan_nodes(users: float, tps: float, storage_tb: float) -> NodePlan:
    """relay "Node Distribution": level = max of the three scale levels;
    count = min + range·level/MAX_SCALE_LEVEL."""
    levels = {
        "users": (users, scale_level(users, USER_THRESHOLDS)),
        "tps": (tps, scale_level(tps, TPS_THRESHOLDS)),
        "storage_tb": (storage_tb, scale_level(storage_tb, STORAGE_TB_THRESHOLDS)),
    }
    level = max(lvl for _, lvl in levels.values())
    detail = ", ".join(f"{name} {value:g} -> {lvl}" for name, (value, lvl) in levels.items())
    level_fig = Figure(level, f"max of scale levels ({detail}) = {level} of {MAX_SCALE_LEVEL}")
    counts = {}
    for name, limits in NODE_TYPES.items():
        span = limits.max_count - limits.min_count
        raw = limits.min_count + span * level / MAX_SCALE_LEVEL
        count = min(max(_ceil(raw), limits.min_count), limits.max_count)
        counts[name] = Figure(count, f"{limits.min_count} + ({limits.max_count} - {limits.min_count}) "
                                     f"x {level}/{MAX_SCALE_LEVEL} = {raw:g}, rounded up and clamped to "
                                     f"[{limits.min_count}, {limits.max_count}] = {count} "
                                     f"(optimal {limits.optimal_count})")
    return NodePlan(level_fig, counts)


# ---------------------------------------------------------------------------------------------
# relay "Resource Scaling"


def select_profile(cpu: float, memory_gib: float, storage_gb: float = 0, bandwidth_mbps: float = 0) -> str:
    """First profile meeting every requirement (relay calculateResourceRequirements); 'custom' if none."""
    for name, profile in RESOURCE_PROFILES.items():
        if (profile.cpu >= cpu and profile.memory_gib >= memory_gib
                and profile.storage_gb >= storage_gb and profile.bandwidth_mbps >= bandwidth_mbps):
            return name
    return "custom"


# ---------------------------------------------------------------------------------------------
# Growth: novacron "3. Capacity Planning" calculateProjectedUsage.


def growth_factor(growth_rate_monthly: float, forecast_days: int) -> Figure:
    """(1 + g)^(days/30)."""
    value = (1 + growth_rate_monthly) ** (forecast_days / 30)
    return Figure(value, f"(1 + {growth_rate_monthly:g})^({forecast_days}/30) = {value:.4f} growth over the "
                         f"{forecast_days}-day horizon")


# ---------------------------------------------------------------------------------------------
# Per region and tier


@dataclass(frozen=True)
class _Bounds:
    lo: int
    lo_from: str
    hi: int
    hi_from: str


def tier_bounds(cfg: PlatformConfig, tier: str, region: RegionConfig) -> _Bounds:
    """The tier's own [min, max]; the front tier is also bounded by the region table's row (DESIGN
    "Stack configuration": the region table's min/max/current apply to each region's api tier)."""
    tcfg = cfg.tiers.get(tier)
    if tier != FRONT_TIER:
        return _Bounds(tcfg.min_instances, f"tier {tier} min_instances", tcfg.max_instances, f"tier {tier} max_instances")
    lo, lo_from = max((region.min_instances, f"region {region.name} min_instances"),
                      (tcfg.min_instances, f"tier {tier} min_instances"))
    hi, hi_from = min((region.max_instances, f"region {region.name} max_instances"),
                      (tcfg.max_instances, f"tier {tier} max_instances"))
    return _Bounds(lo, lo_from, hi, hi_from)


def size_tier(tier: str, demand: float, per_instance: float, unit: str, bounds: _Bounds,
              demand_reason: str) -> tuple[int, str]:
    """desired = ceil(demand / per-instance capacity), clamped to [lo, hi]; the reason names the binding limit."""
    raw = _ceil(demand / per_instance)
    base = f"ceil({demand_reason} = {demand:.1f} {unit} / {per_instance:g} {unit} per instance) = {raw}"
    if raw < bounds.lo:
        return bounds.lo, f"{base}; raised to min {bounds.lo} (binding: {bounds.lo_from})"
    if raw > bounds.hi:
        return bounds.hi, f"{base}; capped at max {bounds.hi} (binding: {bounds.hi_from})"
    return raw, f"{base}; within [{bounds.lo}, {bounds.hi}]"


def _tier_plan(tier: str, instance_type: str, desired: int, reason: str, bounds: _Bounds, demand: float) -> TierPlan:
    spec = INSTANCE_TYPES[instance_type]
    return TierPlan(
        tier=tier, instance_type=instance_type, profile=select_profile(spec.vcpu, spec.memory_gib),
        min=bounds.lo, desired=desired, max=bounds.hi, reason=reason,
        reasons={"min": bounds.lo_from, "desired": reason, "max": bounds.hi_from}, demand=demand,
    )


@dataclass(frozen=True)
class DemandCurve:
    """A forecast turned into planner input: requests/s per hour of week (UTC, Monday 00:00 first)."""

    hour_of_week_rps: tuple[float, ...]  # the calibrated upper band, max per hour of week
    peak_rps: float
    reason: str  # method and headroom, from infra.planning.forecast


def demand_curve(forecast: Any, unit: str) -> DemandCurve:
    """infra.planning.forecast.DemandForecast (history units) -> DemandCurve in requests/s."""

    per_second = 1 / 3600 if unit == "requests_per_hour" else 1.0
    curve = tuple(v * per_second for v in hour_of_week_curve(forecast))
    return DemandCurve(curve, max(curve), f"{forecast.method}; {forecast.headroom}"
                       + (" (requests per hour / 3600)" if per_second != 1 else ""))


def _forecast_tier(tier: TierPlan, curve: DemandCurve, share: float, ratio: float, per_instance: float,
                   unit: str, bounds: _Bounds, share_text: str) -> TierPlan:
    """desired from the forecast's peak; the hour-of-week minimum from its band (DemandCurve)."""
    demand = curve.peak_rps * share * ratio
    desired, reason = size_tier(tier.tier, demand, per_instance, unit, bounds,
                                f"forecast upper band peak {curve.peak_rps:.1f} rps x {share_text}"
                                + (f" x {ratio:.4f} {unit} per request" if ratio != 1 else ""))
    hourly = tuple(min(max(_ceil(v * share * ratio / per_instance), bounds.lo), bounds.hi)
                   for v in curve.hour_of_week_rps)
    why = (f"hour-of-week min (UTC) = clamp(ceil(band rps x {share_text}"
           + (f" x {ratio:.4f}" if ratio != 1 else "") + f" / {per_instance:g}), {bounds.lo}, {bounds.hi}); "
           f"band: {curve.reason}")
    return dataclasses.replace(tier, desired=desired, reason=reason, demand=demand,
                               reasons=dict(tier.reasons, desired=reason), forecast_curve=hourly,
                               forecast_reason=why)


def plan_regions(cfg: PlatformConfig, growth: Figure, curve: DemandCurve | None = None) -> dict[str, dict[str, TierPlan]]:
    """Size every tier in every region from its traffic_weight share of grown demand (requests for
    stateless tiers, jobs for batch tiers: the tier's role), or of the forecast's upper band when a
    demand history is configured."""
    total_weight = sum(r.traffic_weight for r in cfg.regions)
    jobs = cfg.demand.jobs_per_second if cfg.demand.jobs_per_second is not None else cfg.demand.tps
    jobs_source = "jobs_per_second" if cfg.demand.jobs_per_second is not None else "tps"
    # per demand kind: (demand per second, source text, ratio to the forecast's requests/s)
    sources = {"requests": (cfg.demand.peak_rps, "peak rps", 1.0),
               "jobs": (jobs, jobs_source, jobs / cfg.demand.peak_rps)}
    plans: dict[str, dict[str, TierPlan]] = {}
    for region in cfg.regions:
        share = region.traffic_weight / total_weight
        share_text = f"{region.traffic_weight:g}/{total_weight:g} weight"
        plans[region.name] = {}
        for name, tcfg in cfg.tiers.items():
            role = cfg.tiers.role(name)
            total, source, ratio = sources[role.demand]
            demand = total * share * growth.value
            bounds = tier_bounds(cfg, name, region)
            desired, reason = size_tier(name, demand, tcfg.per_instance, role.unit, bounds,
                                        f"{total:g} {source} x {share_text} x {growth.value:.4f} growth")
            plan = _tier_plan(name, tcfg.instance_types[0], desired, reason, bounds, demand)
            if curve is not None:
                # Every tier follows requests: jobs per request from the configured rates.
                plan = _forecast_tier(plan, curve, share, ratio, tcfg.per_instance, role.unit, bounds, share_text)
            plans[region.name][name] = plan
    return plans


# ---------------------------------------------------------------------------------------------
# novacron "4. Multi-Region Scaling": handle_region_failure + overflow_to_secondary.


def _overflow_order(cfg: PlatformConfig, healthy: list[str]) -> list[str]:
    ordered = [name for name in cfg.failover_priority if name in healthy]
    return ordered + [name for name in healthy if name not in ordered]


def redistribute_failed(cfg: PlatformConfig, plans: dict[str, dict[str, TierPlan]]) -> tuple[dict[str, dict[str, TierPlan]], list[str]]:
    """A failed region's planned desired // healthy regions is added to each healthy region, clamped at
    max; the remainder of that division and what does not fit go to the next regions in failover_priority
    order.

    Failed regions keep every resource exactly as planned (nothing is destroyed, weight 0). In healthy
    regions min is raised to the new desired: desired is ignored after an ASG exists, so only a higher
    min makes the running group grow.
    """
    if not cfg.failed_regions:
        return plans, []
    healthy = [r.name for r in cfg.healthy_regions]
    notes: list[str] = []
    result = {name: dict(tiers) for name, tiers in plans.items()}
    for tier in cfg.tiers.names():
        added: dict[str, int] = {name: 0 for name in healthy}
        why: dict[str, list[str]] = {name: [] for name in healthy}
        for failed in cfg.failed_regions:
            moved = plans[failed][tier].desired
            share = moved // len(healthy)
            # novacron 4 handle_region_failure gives each region failed_capacity // regions; the remainder it
            # drops is placed too, in failover_priority order, so no failed instance is lost.
            overflow = moved - share * len(healthy)
            for name in healthy:
                current = plans[name][tier].desired + added[name]
                room = plans[name][tier].max - current
                take = min(share, max(room, 0))
                added[name] += take
                overflow += share - take
                why[name].append(f"+{take} of {failed}'s {moved} ({moved} // {len(healthy)} healthy = {share}"
                                 + (f", {share - take} over max" if take < share else "") + ")")
            for name in _overflow_order(cfg, healthy):
                if overflow == 0:
                    break
                room = plans[name][tier].max - (plans[name][tier].desired + added[name])
                take = min(room, overflow)
                if take > 0:
                    added[name] += take
                    overflow -= take
                    why[name].append(f"+{take} remainder/overflow from {failed} (failover_priority)")
            if overflow:
                notes.append(f"{tier}: {overflow} instances from failed {failed} could not be placed: "
                             "every healthy region is at max_instances")
        for name in healthy:
            old = plans[name][tier]
            if not added[name] and not why[name]:
                continue
            desired = old.desired + added[name]
            reason = f"{old.reason}; region failure: {'; '.join(why[name])} -> {desired}"
            new_min = max(old.min, desired)
            reasons = dict(old.reasons, desired=reason,
                           min=f"raised to the redistributed desired {desired} so the running group grows"
                           if new_min > old.min else old.reasons["min"])
            result[name][tier] = dataclasses.replace(old, min=new_min, desired=desired, reason=reason,
                                                     reasons=reasons)
        for failed in cfg.failed_regions:
            old = plans[failed][tier]
            result[failed][tier] = dataclasses.replace(
                old, reason=f"{old.reason}; region failed: resources kept as planned, traffic weight 0")
    return result, notes


def route_weights(cfg: PlatformConfig, plans: dict[str, dict[str, TierPlan]]) -> dict[str, Figure]:
    """Route53 weights. Healthy estate: the configured traffic_weight table, as percent.
    After a failure: int(api desired / total healthy api desired x 100) (novacron update_traffic_distribution);
    failed regions get 0."""
    if not cfg.failed_regions:
        total = sum(r.traffic_weight for r in cfg.regions)
        # Whole percents that sum to 100 whatever the table adds up to (40/30/20 -> 45/33/22, not 44/33/22).
        whole = largest_remainder({r.name: r.traffic_weight for r in cfg.regions})
        return {r.name: Figure(whole[r.name],
                               f"{r.traffic_weight:g} / {total:g} x 100 from the traffic_weight table, whole percents "
                               "summing to 100 (largest remainder)")
                for r in cfg.regions}
    healthy = [r.name for r in cfg.healthy_regions]
    total = sum(plans[name][FRONT_TIER].desired for name in healthy)
    weights = {}
    for region in cfg.regions:
        if region.name in cfg.failed_regions:
            weights[region.name] = Figure(0, "region failed: weight 0, its traffic redistributed")
        else:
            desired = plans[region.name][FRONT_TIER].desired
            weights[region.name] = Figure(int(desired / total * 100),
                                          f"int({desired} api desired / {total} healthy api desired x 100)")
    return weights


# ---------------------------------------------------------------------------------------------


def plan_compute(cfg: PlatformConfig, forecast: Any = None) -> CapacityPlan:
    """Regions, tiers, failover, weights and nodes (no data tier, no scaling yet); `forecast`
    (infra.planning.forecast.DemandForecast of the configured
    history) replaces `peak_rps x growth` as the demand the tiers are sized for."""
    growth = growth_factor(cfg.demand.growth_rate_monthly, cfg.demand.forecast_days)
    curve = demand_curve(forecast, cfg.demand.history_unit) if forecast is not None else None
    tiers = plan_regions(cfg, growth, curve)
    tiers, notes = redistribute_failed(cfg, tiers)
    weights = route_weights(cfg, tiers)
    regions = {
        r.name: RegionPlan(
            name=r.name, primary=r.primary, failed=r.name in cfg.failed_regions,
            timezone=AWS_REGION_TIMEZONES[r.name], latency_ms=r.latency_ms, az_count=r.az_count,
            weight=weights[r.name], tiers=tiers[r.name])
        for r in cfg.regions
    }
    nodes = plan_nodes(cfg.demand.users, cfg.demand.tps, cfg.demand.storage_tb)
    return CapacityPlan(environment=cfg.environment, growth=growth, regions=regions, nodes=nodes, notes=tuple(notes))
