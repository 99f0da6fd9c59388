"""Capacity exhaustion (novacron "4. Multi-Region Scaling" failover_rules: `capacity_exhausted ->
overflow_to_secondary`, priority ["us-west-2", "eu-west-1", "ap-southeast-1"] = `failover_priority`).

A healthy region whose tier needs more instances than its max (`size_tier` capped it) spills the
excess to the next healthy regions in `failover_priority` order (then the other healthy regions in
table order), each taking at most its own room (max - desired). The Route53 weights then follow the
demand each region really serves, as whole percents that sum to 100 (largest remainder; after a region
failure: the healthy regions' api desired, as capacity.route_weights, rounded the same way), so the
traffic the capped region cannot serve is sent where the instances are. What no region can take is
a WARNING note naming the unserved demand.

Pure (no pulumi, no boto3). Runs after `capacity.plan_compute` (infra/planning/pipeline.py), on a
plan whose failed regions are already spread out; failed regions neither give nor take overflow.
Receivers' `min` is not raised (unlike a region failure, nothing is lost now): the planned desired
is the peak the autoscaler grows to under the shifted weights, and `max` always has room for it.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from infra.config import PlatformConfig
from infra.model.capacity import CapacityPlan, Figure, RegionPlan, TierPlan
from infra.model.tiers import FRONT_TIER

# Route53 weights are whole numbers; after an overflow they are percents that add up to exactly this.
WEIGHT_TOTAL = 100
_ROUND_DIGITS = 6  # as capacity._ceil: 13200.000000000002 rps is not one more instance


def _ceil(value: float) -> int:
    return math.ceil(round(value, _ROUND_DIGITS))


@dataclass(frozen=True)
class Spill:
    """Instances (and demand) one capped region's tier moved to one receiver."""

    source: str
    receiver: str
    instances: int
    demand: float


def overflow_order(cfg: PlatformConfig, source: str) -> list[str]:
    """Receivers of `source`'s excess: healthy regions in failover_priority order, then the rest in table order."""
    healthy = [r.name for r in cfg.healthy_regions if r.name != source]
    ordered = [name for name in cfg.failover_priority if name in healthy]
    return ordered + [name for name in healthy if name not in ordered]


def largest_remainder(shares: dict[str, float], total: int = WEIGHT_TOTAL) -> dict[str, int]:
    """Whole numbers proportional to `shares` that sum to `total` (Hamilton's method: floors, then one
    more to the largest remainders; ties in the given order)."""
    whole = sum(shares.values())
    if whole <= 0:
        return {name: 0 for name in shares}
    exact = {name: value * total / whole for name, value in shares.items()}
    result = {name: math.floor(round(value, _ROUND_DIGITS)) for name, value in exact.items()}
    order = sorted(shares, key=lambda n: -(exact[n] - result[n]))
    for name in order[:total - sum(result.values())]:
        result[name] += 1
    return result


def _per_instance(cfg: PlatformConfig, tier: str) -> float:
    return cfg.tiers.get(tier).per_instance


def spill_tier(cfg: PlatformConfig, regions: dict[str, RegionPlan], tier: str) -> tuple[list[Spill], dict[str, float]]:
    """The spills of one tier (sources in table order) and the demand no region could take, per source."""
    per = _per_instance(cfg, tier)
    added = {name: 0 for name in regions}
    spills: list[Spill] = []
    unserved: dict[str, float] = {}
    for region in cfg.healthy_regions:
        plan = regions[region.name].tiers[tier]
        need = _ceil(plan.demand / per)
        if need <= plan.desired:
            continue
        missing = need - plan.desired
        left = plan.demand - plan.desired * per  # demand units the capped group cannot serve
        for receiver in overflow_order(cfg, region.name):
            if missing <= 0:
                break
            other = regions[receiver].tiers[tier]
            room = other.max - (other.desired + added[receiver])
            take = min(room, missing)
            if take <= 0:
                continue
            moved = min(take * per, left)
            added[receiver] += take
            missing -= take
            left -= moved
            spills.append(Spill(region.name, receiver, take, moved))
        if missing > 0:
            unserved[region.name] = left
    return spills, unserved


def _tier_reasons(cfg: PlatformConfig, tier: str, old: TierPlan, region: str, spills: list[Spill],
                  unserved: float | None) -> TierPlan:
    per = _per_instance(cfg, tier)
    unit = cfg.tiers.role(tier).unit
    out = [s for s in spills if s.source == region]
    into = [s for s in spills if s.receiver == region]
    reason = old.reason
    if out or unserved is not None:
        need = _ceil(old.demand / per)
        moved = ", ".join(f"+{s.instances} to {s.receiver} ({s.demand:.1f} {unit})" for s in out) or "nowhere"
        reason += (f"; capacity exhausted: needs {need} > max {old.max}, shortfall {need - old.desired} instances "
                   f"({old.demand - old.desired * per:.1f} {unit}) overflow_to_secondary by failover_priority: {moved}")
        if unserved is not None:
            reason += f"; {unserved:.1f} {unit} unserved (every other region at max)"
    desired = old.desired + sum(s.instances for s in into)
    if into:
        reason += "; " + ", ".join(f"+{s.instances} overflow from capacity-exhausted {s.source} "
                                   f"({s.demand:.1f} {unit}, failover_priority)" for s in into) + f" -> {desired}"
    return dataclasses.replace(old, desired=desired, reason=reason, reasons=dict(old.reasons, desired=reason))


def _weights(cfg: PlatformConfig, regions: dict[str, RegionPlan], spills: list[Spill]) -> dict[str, Figure]:
    """Weights after an overflow, whole percents summing to 100. Healthy estate: each region's served front
    demand (own demand - what it sheds + what it takes); after a region failure: api desired (as route_weights)."""
    healthy = [r.name for r in cfg.healthy_regions]
    front = {name: regions[name].tiers[FRONT_TIER] for name in healthy}
    if cfg.failed_regions:
        shares = {name: float(front[name].desired) for name in healthy}
        why = {name: f"{front[name].desired} api desired" for name in healthy}
        basis = "healthy api desired"
    else:
        per = _per_instance(cfg, FRONT_TIER)
        shares = {name: min(front[name].demand, front[name].max * per) for name in healthy}
        for s in spills:
            shares[s.receiver] += s.demand
        why = {name: f"{shares[name]:.1f} rps served" for name in healthy}
        basis = "front demand served after overflow"
    whole = largest_remainder(shares)
    total = sum(shares.values())
    weights = {name: regions[name].weight for name in regions}
    for name in healthy:
        weights[name] = Figure(whole[name], f"{why[name]} / {total:.1f} {basis} x {WEIGHT_TOTAL}, whole percents by "
                                            f"largest remainder (sum {WEIGHT_TOTAL}) = {whole[name]}")
    return weights


def apply_overflow(cfg: PlatformConfig, plan: CapacityPlan) -> CapacityPlan:
    """The plan with every tier's capacity-exhausted excess moved to its secondaries, the weights following
    the front tier's served demand, and one note per spill (a WARNING when demand stays unserved)."""
    regions = dict(plan.regions)
    notes: list[str] = []
    front_spills: list[Spill] = []
    moved_any = False
    for tier in cfg.tiers.names():
        spills, unserved = spill_tier(cfg, regions, tier)
        if not spills and not unserved:
            continue
        moved_any = moved_any or (tier == FRONT_TIER)
        unit = cfg.tiers.role(tier).unit
        touched = {s.source for s in spills} | {s.receiver for s in spills} | set(unserved)
        new_tiers = {name: _tier_reasons(cfg, tier, regions[name].tiers[tier], name, spills, unserved.get(name))
                     for name in touched}
        for name, tier_plan in new_tiers.items():
            regions[name] = dataclasses.replace(regions[name], tiers={**regions[name].tiers, tier: tier_plan})
        for source in dict.fromkeys([s.source for s in spills] + list(unserved)):
            out = [s for s in spills if s.source == source]
            if out:
                where = ", ".join(f"{s.receiver} +{s.instances} ({s.demand:.1f} {unit})" for s in out)
                notes.append(f"capacity exhausted in {source} {tier}: {sum(s.instances for s in out)} instances "
                             f"overflow to {where} (failover_priority)")
            if source in unserved:
                notes.append(f"WARNING: {tier}: {unserved[source]:.1f} {unit} of {source}'s demand is unserved: "
                             f"every region is at max_instances (raise max_instances or add a region)")
        if tier == FRONT_TIER:
            front_spills = spills
    if moved_any or cfg.failed_regions:
        # After a region failure the weights already follow api desired (capacity.route_weights); only the
        # rounding changes here, so that they too add up to 100.
        weights = _weights(cfg, regions, front_spills)
        regions = {name: dataclasses.replace(r, weight=weights[name]) for name, r in regions.items()}
    return dataclasses.replace(plan, regions=regions, notes=tuple(plan.notes) + tuple(notes))
