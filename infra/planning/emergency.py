"""Emergency mode (novacron "2. Manual Scaling Procedures" emergency-scale.sh up|down|reset): bounds and ceiling. Pure."""
from __future__ import annotations

from typing import Any

from infra.config import PlatformConfig
from infra.cost.prices import EMERGENCY_CEILING_FACTOR
from infra.model.scaling import (
    EMERGENCY_API_FACTOR,
    EMERGENCY_API_K8S_RESOURCES,
    EMERGENCY_RESET,
    EMERGENCY_WORKER_ENV,
)
from infra.model.tiers import FRONT_TIER


def _emergency_tiers(cfg: PlatformConfig, target: str) -> tuple[str, ...]:
    names = tuple(cfg.tiers.names())
    if target == "all":
        return names
    return (target,) if target in names else ()


def doubling_base(cfg: PlatformConfig, region: str, tier: str, planned: int) -> tuple[int, str]:
    """The count emergency up's x2 doubles (novacron §2 scale_up_emergency: current_count * 2), and which
    it is: the live count recorded by `scaling emergency --apply` (emergency.live_desired), else the region
    table's current_instances (what runs now; it bounds the front tier only), else the planned desired."""
    running = cfg.emergency.live_desired.get(region, {}).get(tier)
    if running is not None:
        return running, f"live count {running} (emergency.live_desired)"
    row = next((r for r in cfg.regions if r.name == region), None)
    if tier == FRONT_TIER and row is not None:
        return row.current_instances, (f"current_instances {row.current_instances} (region table {region}; "
                                       "no live count recorded)")
    return planned, f"planned desired {planned} (no live count recorded)"


def emergency_bounds(cfg: PlatformConfig, tier: str, lo: int, desired: int, hi: int) -> tuple[int, int, int, str]:
    """(min, desired, max, what changed) for one tier under cfg.emergency (unchanged when not targeted)."""
    em = cfg.emergency
    if em.mode == "none" or tier not in _emergency_tiers(cfg, em.target):
        return lo, desired, hi, ""
    role = cfg.tiers.role(tier)
    if em.mode == "up" and role.emergency_up == "double":
        # novacron §2 scale_up_emergency api: new_count = current_count * 2. The ASG ignores changes to
        # desiredCapacity once it exists, so only the minimum moves a running group: the minimum is raised
        # to the doubled desired (capped at max), as capacity.redistribute_failed does for a failed region.
        n_d = desired * EMERGENCY_API_FACTOR
        n_hi = max(hi, n_d)
        n_lo = min(max(lo * EMERGENCY_API_FACTOR, n_d), n_hi)
        why = (f"up: desired {desired}->{n_d} (x{EMERGENCY_API_FACTOR}), min {lo}->{n_lo} (raised to the doubled "
               f"desired, capped at max, so the running group grows: desired is ignored once the ASG exists), "
               f"max {hi}->{n_hi}")
    elif em.mode == "up":
        step = em.worker_step
        n_lo, n_d = lo + step, desired + step
        n_hi = max(hi, n_d)
        why = f"up: min {lo}->{n_lo}, desired {desired}->{n_d} (+{step} worker_step), max {hi}->{n_hi}"
    elif em.mode == "down" and role.consumes_queue:
        # novacron §2 scale_down_safely worker: new_workers = current - SCALE_FACTOR, "Minimum 5 workers".
        # Only min and desired go down (max kept): the group then terminates idle workers first (busy ones
        # are scale-in protected) and every terminating worker finishes its job under the termination
        # hook (infra/planning/drain.py), so no running job is killed.
        n_lo = min(lo, role.emergency_down_min)
        n_d = max(desired - em.worker_step, n_lo)
        n_hi = hi
        why = (f"down: min {lo}->{n_lo}, desired {desired}->{n_d} (-{em.worker_step} worker_step, never below "
               f"{role.emergency_down_min}), max {hi} kept; running jobs finish: busy workers are scale-in "
               "protected and terminating ones drain under the lifecycle hook")
    elif em.mode == "down":
        n_lo = role.emergency_down_min
        n_hi = max(hi, n_lo)
        n_d = min(max(desired, n_lo), n_hi)
        why = f"down: min {lo}->{n_lo} (never below {n_lo}); scale-in triggers shrink the group"
    else:
        n_lo, n_hi, n_d = EMERGENCY_RESET["min"], EMERGENCY_RESET["max"], EMERGENCY_RESET["desired"]
        why = f"reset: min {lo}->{n_lo}, desired {desired}->{n_d}, max {hi}->{n_hi} (baseline)"
    return n_lo, n_d, n_hi, why


def emergency_ceiling_usd(cfg: PlatformConfig) -> float:
    """What `stack-budget` enforces in this mode: in `up`, emergency.budget_ceiling_usd_month or
    EMERGENCY_CEILING_FACTOR × budget; otherwise the budget itself."""

    if cfg.emergency.mode != "up":
        return cfg.budget_usd_month
    return cfg.emergency.budget_ceiling_usd_month or EMERGENCY_CEILING_FACTOR * cfg.budget_usd_month


def emergency_block(cfg: PlatformConfig, changes: list[dict[str, Any]]) -> dict[str, Any]:
    """The plan's `emergency` section: mode and target, and while active the changes, budget ceiling and note."""
    em = cfg.emergency
    active = em.mode != "none"
    block: dict[str, Any] = {"active": active, "mode": em.mode, "target": em.target}
    if not active:
        return block
    tiers = _emergency_tiers(cfg, em.target)
    block.update({
        "compute_tiers": list(tiers), "changes": changes,
        "budget_usd_month": cfg.budget_usd_month,
        "budget_ceiling_usd_month": em.budget_ceiling_usd_month,
        "note": (f"EMERGENCY MODE {em.mode.upper()} ACTIVE for {em.target}: capacity departs from the computed "
                 f"plan; spend may exceed budget {cfg.budget_usd_month:g} only up to the ceiling "
                 f"{emergency_ceiling_usd(cfg):g} USD/month. "
                 "Set emergency.mode=none to return to the plan (nothing is destroyed)."),
    })
    if em.mode == "up" and FRONT_TIER in tiers:
        block["k8s_api_resources"] = EMERGENCY_API_K8S_RESOURCES
    if em.mode == "up" and any(cfg.tiers.role(name).emergency_up == "step" for name in tiers):
        block["worker_env"] = dict(EMERGENCY_WORKER_ENV)
    if em.target in ("database", "cache", "all"):
        block["data_tier"] = f"{'database/cache' if em.target == 'all' else em.target}: handled by the data-tier planner"
    return block
