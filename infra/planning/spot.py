"""Spot / mixed-instances planning (novacron "6. Cost Optimization" implement_spot_strategy). Pure."""
from __future__ import annotations

from infra.config import PlatformConfig
from infra.cost.pricing import on_demand_hourly, spot_max_price
from infra.model.scaling import SpotPlan


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


def plan_spot(cfg: PlatformConfig, tier: str, instance_type: str, min_size: int, desired: int,
              region: str | None = None) -> SpotPlan | None:
    """novacron implement_spot_strategy: a mixed-instances policy; the planned rung is the first override.

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
    spot = int((max(desired - base, 0)) * cls.percentage_spot / 100)
    types = tuple(dict.fromkeys([instance_type, *cls.instance_types]))
    share = round(spot / desired, 4) if desired else 0.0
    on_demand = on_demand_hourly(instance_type, region)
    max_price = spot_max_price(instance_type, region, cls.max_price_factor)
    return SpotPlan(name, cls.percentage_spot, base, above, types, cfg.scaling.spot.allocation_strategy, spot, share,
                    f"class {name}: {cls.percentage_spot:g}% spot above an on-demand base of {base} "
                    f"({'the planned min' if cls.on_demand_base_is_min else 'none'}); at desired {desired}: "
                    f"~{spot} spot = {share:.0%} of the tier; max price on_demand x {cls.max_price_factor:g} = "
                    f"{instance_type} ${on_demand:.6g}/h ({region or 'us-east-1'}) x {cls.max_price_factor:g} "
                    f"= ${max_price}/h (novacron §6 implement_spot_strategy)",
                    cls.max_price_factor, max_price)
