"""Scaling policy planner: triggers, trigger bounds, vertical ladders, schedules, spot, rollout, emergency.

Pure (no pulumi, no boto3). `apply_scaling(cfg, plan)` takes the capacity plan of
`infra.planning.pipeline.plan_capacity` and returns it with every tier's `scaling` block filled in and the
tier numbers adjusted (ladder rung, trigger bounds, emergency mode), each change with its reason.
Components (`components/scaling_triggers.py`, `components/schedule.py`, `components/service_tier.py`)
only encode what is decided here.

Decisions (documented once, here):
- Trigger bounds (novacron "1. Auto-scaling Triggers & Thresholds": each rule's max_instances /
  min_instances, the queue rule's max_workers 200 / min_workers 10; relay "Auto-Scaling Implementation"
  createScalingPolicy: one min/max per policy). An ASG has one [min, max]:
  max = min(plan max, loosest rule max), so no scale-out rule is stopped before its own bound;
  min = max(plan min, strictest rule min), so no scale-in rule (cpu, floor 3) takes the group below
  another rule's floor (queue, 10): the worker group's min is 10, as the Kubernetes worker's
  (infra/planning/edge_plan.k8s_workloads). Explicit stack values win over the runbook defaults: a
  rule floor the stack sets (`scaling.triggers.<rule>.min_instances`) replaces the defaults of the
  other rows; the region table's min_instances (the front tier's per-region bound) stays as given; and
  a stack whose max cannot hold the floor (dev: max 4) keeps its own min. The binding bound is named
  in the reason.
- Cooldowns. Scale-out rules are StepScaling policies (never blocked by a cooldown; AWS rejects
  `Cooldown` on them), so the runbook cooldown becomes their `estimatedInstanceWarmup`. Scale-in
  rules are SimpleScaling policies with `Cooldown` = the runbook cooldown: an alarm re-invokes its
  action every period while in ALARM and step scale-in has no warm-up, so only simple scaling keeps
  "remove N, cooldown S" from removing N every minute. Both are reported in the plan.
- Schedules. floor[h] = clamp(max(cost-schedule target[h], int(desired x time-of-day factor[h])),
  min, max) over the 168 local hours of the week (index 0 = Monday 00:00 in the region's zone);
  `build_schedule` accepts any 168-value curve (e.g. a forecast). A scheduled action only sets the
  group's MinSize (desired/max untouched, -1): the floor rises and falls, the triggers do the rest.
  A group holds at most MAX_SCHEDULED_ACTIONS: `fit_schedule` leaves room for the one-time actions
  of the burst events (infra/planning/burst.py) by merging transitions (keeping the higher value), and fails
  with a ConfigError on `events` when even a single recurring action would not fit.
- Emergency: applies to healthy regions (a failed region keeps its resources as planned).
  up: api min and desired x2, max raised to at least the doubled desired (so at most 2 x the planned
  max); workers +worker_step with the runbook's env. down: api min 3, workers min 5. reset:
  min 3 / max 20 / desired 5. Schedule actions keep their names and only change values, so leaving
  emergency mode replaces nothing.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from infra.config import PlatformConfig
from infra.config.scaling import TriggerConfig
from infra.model.capacity import CapacityPlan, TierPlan
from infra.model.catalog import AWS_REGION_TIMEZONES, INSTANCE_TYPES
from infra.model.scaling import (
    EMERGENCY_WORKER_ENV,
    FORECAST_TIME_ZONE,
    PERIOD_S,
    TRIGGER_METRICS,
    TRIGGER_UNITS,
    MetricSpec,
    TierScaling,
    TriggerRule,
)
from infra.model.tiers import FRONT_TIER
from infra.planning.drain import plan_drain, with_load_guard
from infra.planning.emergency import doubling_base, emergency_block, emergency_bounds
from infra.planning.rollout import plan_rollout
from infra.planning.schedule import fit_schedule, floor_curve, group_shares, scheduled_tiers
from infra.planning.spot import plan_spot, schedule_floor
from infra.planning.vertical import _profile, ladder_of, plan_vertical, vertical_alarms

# ---------------------------------------------------------------------------------------------
# Constants (runbook numbers that are not stack config)


# ---------------------------------------------------------------------------------------------
# Plan data


# ---------------------------------------------------------------------------------------------
# Triggers


def default_trigger_tiers(cfg: PlatformConfig, trigger: str) -> list[str]:
    """The tiers a trigger row scales when it names none, by role (infra/model/tiers.py): requests and
    latency are ALB metrics of the front tier, queue depth scales the queue consumers, cpu/memory every tier."""
    if trigger in ("requests", "latency"):
        return [FRONT_TIER]
    if trigger == "queue":
        return [name for name in cfg.tiers.names() if cfg.tiers.role(name).consumes_queue]
    return cfg.tiers.names()


def tier_triggers(cfg: PlatformConfig, tier: str) -> dict[str, TriggerConfig]:
    """The configured `scaling.triggers` entries that apply to `tier`, by trigger name."""
    triggers = cfg.scaling.triggers
    out = {}
    for name in type(triggers).model_fields:
        row = getattr(triggers, name)
        if tier in (row.tiers if row.tiers is not None else default_trigger_tiers(cfg, name)):
            out[name] = row
    return out


def trigger_rules(cfg: PlatformConfig, tier: str) -> tuple[TriggerRule, ...]:
    """novacron "Horizontal Scaling Triggers": one scale-out and one scale-in rule per trigger of the tier."""
    rules = []
    for name, trig in tier_triggers(cfg, tier).items():
        metric = TRIGGER_METRICS[name]
        if name == "queue":
            q = cfg.scaling.queue
            metric = MetricSpec(q.namespace, q.metric_name, q.statistic, None, "queue", dimension_name=q.dimension_name)
        unit = TRIGGER_UNITS[name]
        for direction, row, op, sign in (("out", trig.scale_out, "GreaterThanThreshold", 1),
                                         ("in", trig.scale_in, "LessThanThreshold", -1)):
            word = ">" if sign > 0 else "<"
            rules.append(TriggerRule(
                trigger=name, direction=direction, metric=metric, comparison=op,
                threshold=round(row.threshold * metric.unit_scale, 6), config_threshold=row.threshold,
                evaluation_periods=row.minutes, period_s=PERIOD_S, adjustment=sign * row.step,
                cooldown_s=row.cooldown_s,
                reason=f"{name} {word} {row.threshold:g}{unit} for {row.minutes} min -> "
                       f"{'add' if sign > 0 else 'remove'} {row.step}, cooldown {row.cooldown_s} s "
                       f"(scaling.triggers.{name}.scale_{direction})"))
    return tuple(rules)


def _explicit_mins(cfg: PlatformConfig, trigs: dict[str, TriggerConfig]) -> dict[str, int]:
    """Trigger floors the stack set itself (`scaling.triggers.<rule>.min_instances` different from the
    runbook default): they win over the runbook's defaults of the other rows."""
    fields = type(cfg.scaling.triggers).model_fields
    return {name: t.min_instances for name, t in trigs.items()
            if t.min_instances != fields[name].default.min_instances}


def trigger_bounds(cfg: PlatformConfig, tier: str, lo: int, hi: int,
                   explicit_min: str | None = None) -> tuple[int, int, str]:
    """Group range from the tier's trigger bounds and the plan's [lo, hi] (see module docstring).

    `explicit_min` names a stack value that sets this group's min for this region (the region table for
    the front tier); it wins over the runbook's per-rule floors."""
    trigs = tier_triggers(cfg, tier)
    if not trigs:
        return lo, hi, "no triggers for this tier: plan bounds kept"
    t_hi = max(t.max_instances for t in trigs.values())
    hi_rule = next(name for name, t in trigs.items() if t.max_instances == t_hi)
    new_hi = min(hi, t_hi)
    mins = _explicit_mins(cfg, trigs) or {name: t.min_instances for name, t in trigs.items()}
    t_lo = max(mins.values())
    lo_rule = next(name for name, value in mins.items() if value == t_lo)
    floor = (f"binding floor: {lo_rule} rule min_instances {t_lo} (scaling.triggers.{lo_rule}"
             f"{'' if lo_rule in _explicit_mins(cfg, trigs) else ', novacron §1 default'}, strictest of "
             + ", ".join(f"{n} {v}" for n, v in mins.items()) + ")")
    if explicit_min:
        new_lo = min(lo, new_hi)
        why = (f"min {new_lo} = {explicit_min} (the front tier's bound from the stack's region table row and "
               f"tiers.{tier}: an explicit stack value wins over the {floor})")
    elif t_lo > new_hi:
        # A stack whose own max cannot hold the runbook floor chose a smaller fleet: raising min to max
        # would freeze the group and disable every trigger, so the stack's min stands.
        new_lo = min(lo, new_hi)
        why = f"min {new_lo} = plan min ({floor} does not fit under max {new_hi}: the stack's range stands)"
    elif t_lo > lo:
        new_lo = t_lo
        why = f"min {new_lo} raised from plan min {lo} by the {floor}"
    else:
        new_lo = min(lo, new_hi)
        why = f"min {new_lo} = plan min (>= the {floor})" if new_lo == lo else \
            f"min {new_lo}: plan min {lo} capped at the group max"
    maxi = (f"max {new_hi} capped by the {hi_rule} rule max_instances {t_hi} (loosest of the tier's rules)"
            if new_hi < hi else f"max {new_hi} = plan max (rules allow up to {t_hi}: {hi_rule})")
    return new_lo, new_hi, f"{why}; {maxi}; plan [{lo}, {hi}] -> group [{new_lo}, {new_hi}]"


# ---------------------------------------------------------------------------------------------
# Vertical ladders


# ---------------------------------------------------------------------------------------------
# Schedules


def predictive_forecast_only(cfg: PlatformConfig) -> dict[str, Any]:
    """AWS predictive scaling, ForecastOnly: it forecasts and reports, never acts (our schedule does)."""
    per_minute = cfg.tiers.api.per_instance * 60
    return {"mode": "ForecastOnly", "metric": "ALBRequestCount", "target_requests_per_instance_minute": per_minute,
            "reason": f"forecast-only comparison with this plan's forecast; target {cfg.tiers.api.per_instance:g}"
                      f" req/s per instance = {per_minute:g} per minute"}


# ---------------------------------------------------------------------------------------------
# Spot and rollout


# ---------------------------------------------------------------------------------------------
# Emergency


# ---------------------------------------------------------------------------------------------
# The whole pass


def queue_name(cfg: PlatformConfig, stack_prefix: str, region: str) -> str:
    """The worker queue's name: `scaling.queue.queue_name`, else `<stack_prefix>-<region>-jobs`."""
    return cfg.scaling.queue.queue_name or f"{stack_prefix}-{region}-jobs"


def _bounded_desired(cfg: PlatformConfig, tname: str, tier: TierPlan) -> int:
    """The tier's desired within its trigger bounds (what step 2 of `apply_scaling` makes it)."""
    lo, hi, _ = trigger_bounds(cfg, tname, tier.min, tier.max, tier.reasons["min"] if tname == FRONT_TIER else None)
    return min(max(tier.desired, lo), hi)


def apply_scaling(cfg: PlatformConfig, plan: CapacityPlan) -> CapacityPlan:
    """capacity.CapacityPlan -> the same plan with tiers adjusted and `scaling` filled in."""
    changes: list[dict[str, Any]] = []
    regions = {}
    shares = group_shares(cfg, {(rname, tname): _bounded_desired(cfg, tname, tier)
                                for rname, region in plan.regions.items() for tname, tier in region.tiers.items()
                                if tier.forecast_curve is None and cfg.scaling.schedules.enabled
                                and tname in scheduled_tiers(cfg)})
    for rname, region in plan.regions.items():
        tz = cfg.scaling.schedules.time_zones.get(rname, AWS_REGION_TIMEZONES[rname])
        tiers = {}
        for tname, tier in region.tiers.items():
            tcfg = cfg.tiers.get(tname)
            role = cfg.tiers.role(tname)
            reasons = dict(tier.reasons)
            # 1. vertical ladder (forecast utilisation per instance)
            vert = plan_vertical(tier.instance_type, ladder_of(tier.instance_type, tcfg.ladder),
                                 tcfg.forecast_cpu_pct, tcfg.forecast_memory_pct, tier.desired, tier.max,
                                 tcfg.forecast_network_pct)
            desired, lo, hi = tier.desired + vert.added_instances, tier.min, tier.max
            if vert.added_instances:
                lo = max(lo, desired)
                reasons["min"] = f"{reasons['min']}; raised to desired {desired} after the CPU forecast add"
            reasons["instance_type"] = vert.reason
            # 2. trigger bounds; the region table's row is the front tier's explicit per-region min
            explicit = reasons["min"] if tname == FRONT_TIER else None
            plan_lo, plan_hi = lo, hi
            lo, hi, bounds_reason = trigger_bounds(cfg, tname, lo, hi, explicit)
            if lo != plan_lo:
                reasons["min"] = bounds_reason.split("; ")[0]
            if hi != plan_hi:
                reasons["max"] = bounds_reason.split("; ")[1]
            if not lo <= desired <= hi:
                raised = min(max(desired, lo), hi)
                moved = "raised to the group min" if raised == lo else "capped at the group max"
                reasons["desired"] = f"{reasons['desired']}; {moved} {raised} (trigger bounds)"
                desired = raised
            base_lo, base_desired, base_hi = lo, desired, hi
            # 3. emergency mode (healthy regions only)
            why = ""
            if not region.failed:
                # novacron §2 scales the *running* count: `scaling emergency --apply` records it per group.
                running = cfg.emergency.live_desired.get(rname, {}).get(tname)
                base, base_from = running, f"from the running desired {running}, emergency.live_desired"
                if cfg.emergency.mode == "up" and cfg.tiers.role(tname).emergency_up == "double":
                    base, base_from = doubling_base(cfg, rname, tname, desired)
                    base_from = f"doubled: {base_from}"
                bounds = emergency_bounds(cfg, tname, lo, desired if base is None else base, hi)
                if bounds[3]:  # an untargeted tier keeps its planned desired, whatever was recorded
                    lo, desired, hi, why = bounds
                    why += "" if base is None else f" ({base_from})"
            if why:
                changes.append({"region": rname, "tier": tname, "change": why})
                for key in ("min", "desired", "max"):
                    reasons[key] = f"EMERGENCY {why}"
            reasons["bounds"] = bounds_reason
            # 4. schedule: transitions from the computed plan, values clamped to the final bounds
            action_bounds, pin_note = (lo, hi), ""
            if why and cfg.emergency.mode in ("down", "reset"):
                # novacron §2 Emergency Scaling, scale_down_safely / reset_to_baseline: the emergency minimum
                # is the floor. Clamped to [lo, hi] the time-of-day/cost floors would raise the minimum
                # again (reset: 20 every business day). Every recurring action is set to the emergency
                # minimum rather than dropped: the same Schedule resources (names) stay, nothing is
                # destroyed, and emergency.mode=none restores their values.
                action_bounds = (lo, lo)
                pin_note = (f"; EMERGENCY {cfg.emergency.mode}: every recurring action set to the emergency "
                            f"minimum {lo} (kept, not dropped, so emergency.mode=none restores them) so the "
                            "schedule never raises the minimum above it")
            schedule = None
            if tier.forecast_curve is not None:
                # A demand history replaces the runbook's fixed schedule: the forecast band's
                # hour-of-week minimum (UTC), on top of which the triggers react.
                schedule = fit_schedule(cfg, tname, rname, desired, hi, list(tier.forecast_curve), base_lo,
                                        base_hi, FORECAST_TIME_ZONE, tier.forecast_reason + pin_note,
                                        action_bounds=action_bounds)
            elif cfg.scaling.schedules.enabled and tname in scheduled_tiers(cfg):
                curve, creason = floor_curve(cfg, base_desired, base_lo, base_hi, shares[(rname, tname)])
                schedule = fit_schedule(cfg, tname, rname, desired, hi, curve, base_lo, base_hi, tz,
                                        creason + pin_note, action_bounds=action_bounds)
            env = dict(EMERGENCY_WORKER_ENV) if (why and cfg.emergency.mode == "up" and role.emergency_up == "step") \
                else {}
            spot = plan_spot(cfg, tname, vert.to_type, lo, desired, rname, schedule_floor(schedule))
            scaling = TierScaling(
                triggers=with_load_guard(cfg, tname, trigger_rules(cfg, tname)), bounds_reason=bounds_reason,
                vertical=vert, spot=spot, rollout=plan_rollout(cfg, tname, desired),
                schedule=schedule, queue_name=queue_name(cfg, cfg.environment, rname) if role.consumes_queue else None,
                emergency_env=env, emergency_changes=(why,) if why else (),
                predictive=predictive_forecast_only(cfg) if tier.forecast_curve is not None and tname == FRONT_TIER
                else None,
                vertical_alarms=vertical_alarms(vert.to_type, spot.instance_types if spot else ()),
                drain=plan_drain(cfg, tname))
            spec = INSTANCE_TYPES[vert.to_type]
            profile = tier.profile if vert.to_type == tier.instance_type else _profile(spec.vcpu, spec.memory_gib)
            reason = tier.reason + (f"; {vert.reason}" if vert.to_type != tier.instance_type or vert.added_instances
                                    else "") + (f"; -> {base_desired} within the trigger bounds [{base_lo}, {base_hi}]"
                                                if base_desired != tier.desired + vert.added_instances else "") \
                + (f"; EMERGENCY {why}" if why else "")
            tiers[tname] = dataclasses.replace(tier, instance_type=vert.to_type, profile=profile, min=lo,
                                               desired=desired, max=hi, reason=reason, reasons=reasons,
                                               scaling=scaling)
        regions[rname] = dataclasses.replace(region, tiers=tiers)
    block = emergency_block(cfg, changes)
    notes = plan.notes + ((block["note"],) if block["active"] else ())
    return dataclasses.replace(plan, regions=regions, emergency=block, notes=notes)


