"""Spot / mixed-instances planning (novacron "6. Cost Optimization" implement_spot_strategy). Pure."""
from __future__ import annotations

from collections.abc import Sequence

from infra.config import PlatformConfig
from infra.cost.pricing import on_demand_hourly, spot_max_price
from infra.cost.schedule_hours import WeekCount, recurring_floor, week_count
from infra.model.scaling import SpotPlan, TierSchedule


def spot_class_of(cfg: PlatformConfig, tier: str) -> str | None:
    """The tier's spot class: None if on-demand or spot is off, else configured, else "dev" in dev,
    else the tier role's class (api stateless, worker batch)."""
    chosen = cfg.tiers.get(tier).spot_class
    if chosen == "on_demand" or not cfg.scaling.spot.enabled:
        return None
    if chosen:
        return chosen
    if cfg.environment == "dev":
        return "dev"
    return cfg.tiers.role(tier).spot_class


def schedule_floor(schedule: TierSchedule | None) -> list[int] | None:
    """The hour-of-week MinSize the group's recurring scheduled actions set (what the cost estimator reads
    back from the Schedule resources), or None without a schedule; one-time burst actions excluded."""
    if schedule is None:
        return None
    return recurring_floor(((a.recurrence, a.min_size) for a in schedule.actions if a.recurrence),
                           "scaling.schedules")


def expected_week(floor: Sequence[int] | None, desired: int, min_size: int, spot: SpotPlan | None) -> WeekCount:
    """The group's week: max(floor[h], desired, min) per hour, split per hour the way AWS applies the
    mixed-instances distribution (infra/cost/schedule_hours.split_on_demand: the on-demand base first, then
    onDemandPercentageAboveBaseCapacity % of the rest). The plan's spot share, the burst headroom and the cost
    line all come from here / from the same two functions, so they say the same share."""
    return week_count(floor, desired, min_size, spot.on_demand_base if spot else 0,
                      spot.on_demand_percentage_above_base if spot else 100)


def plan_spot(cfg: PlatformConfig, tier: str, instance_type: str, min_size: int, desired: int,
              region: str | None = None, floor: Sequence[int] | None = None) -> SpotPlan | None:
    """novacron implement_spot_strategy: a mixed-instances policy; the planned rung is the first override.

    The class's percentage_spot applies *above the on-demand base* (the planned min for classes with
    on_demand_base_is_min), as AWS applies OnDemandPercentageAboveBaseCapacity: a stateless api group with
    base 10 and 70 % spot runs far less than 70 % spot. `expected_spot_instances` and `spot_share` are the
    week averages over `floor` (the recurring schedule's hour-of-week MinSize), exactly as the cost line
    prices them (`expected_week`).

    max_price 'on_demand * factor' becomes one ASG-wide spot_max_price (AWS has no per-override
    max price): the planned rung's on-demand $/h in `region` (infra/cost/pricing.py) x the class factor.
    Larger overrides get spot only while their spot price is under that cap.
    """
    name = spot_class_of(cfg, tier)
    if name is None:
        return None
    cls = cfg.scaling.spot.classes[name]
    base = min_size if cls.on_demand_base_is_min else 0
    above = int(round(100 - cls.percentage_spot))
    week = week_count(floor, desired, min_size, base, above)
    share = round(week.avg_spot / week.avg_instances, 4) if week.avg_instances else 0.0
    types = tuple(dict.fromkeys([instance_type, *cls.instance_types]))
    on_demand = on_demand_hourly(instance_type, region)
    max_price = spot_max_price(instance_type, region, cls.max_price_factor)
    count = (f"avg {week.avg_instances:.2f} instances over the week (max(schedule floor, desired {desired}, "
             f"min {min_size}) each hour)" if floor else f"{week.avg_instances:g} instances (desired {desired})")
    return SpotPlan(name, cls.percentage_spot, base, above, types, cfg.scaling.spot.allocation_strategy,
                    round(week.avg_spot, 2), share,
                    f"class {name}: on-demand base {base} first "
                    f"({'the planned min' if cls.on_demand_base_is_min else 'none'}), then {cls.percentage_spot:g}% "
                    f"spot / {above}% on-demand of the rest (AWS MixedInstancesPolicy); {count}: "
                    f"~{week.avg_spot:.2f} spot = {share:.0%} of the group; max price on_demand x "
                    f"{cls.max_price_factor:g} = {instance_type} ${on_demand:.6g}/h ({region or 'us-east-1'}) x "
                    f"{cls.max_price_factor:g} = ${max_price}/h (novacron §6 implement_spot_strategy)",
                    cls.max_price_factor, max_price)
