"""Burst planner: pre-warm capacity for known events (novacron "3. Capacity Planning",
BurstCapacityPlanner.PlanForBurst). Pure: no pulumi, no boto3.

For each event and tier, in every healthy region:
- at `start - warmup_minutes` the ASG minimum rises to ceil(desired x peak_multiplier), capped at
  the tier's max ("Start pre-warming: Scale compute to peak capacity");
- it holds through the event and for COOLDOWN_MINUTES after ("Begin cooldown: Gradually reduce
  capacity over 30 minutes"), then returns to the minimum the recurring schedule has at that hour;
- the events' extra instance-hours must fit the month's budget headroom over the planned compute
  (priced with infra/pricing.py); if not, every event's extra is scaled down to fit and the
  reason says so.
Both moments are one-time ASG scheduled actions beside the recurring ones (AWS limit 125 per group).
"""
from __future__ import annotations

import dataclasses
import math
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from infra import pricing
from infra.config import BurstEvent, PlatformConfig

# novacron "3. Capacity Planning" PlanForBurst: "Gradually reduce capacity over 30 minutes".
COOLDOWN_MINUTES = 30
HOURS_PER_WEEK = 168


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _stamp(moment: datetime) -> str:
    return _utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def event_window(event: BurstEvent) -> tuple[datetime, datetime]:
    """(pre-warm start, release) in UTC."""
    start = _utc(event.start)
    return (start - timedelta(minutes=event.warmup_minutes),
            start + timedelta(hours=event.duration_hours, minutes=COOLDOWN_MINUTES))


def _floor_after(schedule: Any, moment: datetime, fallback: int) -> int:
    """The recurring schedule's minimum at `moment` (its own time zone), else the plan's min."""
    if schedule is None or not schedule.curve:
        return fallback
    local = moment.astimezone(ZoneInfo(schedule.time_zone))
    return int(schedule.curve[local.weekday() * 24 + local.hour])


def _hourly_usd(instance_type: str, region: str) -> float:
    return pricing.EC2_HOURLY_USD[instance_type] * pricing.REGION_MULTIPLIER.get(region, 1.0)


def apply_bursts(cfg: PlatformConfig, plan: Any, now: datetime | None = None) -> Any:
    """The plan with each event's two one-time scheduled actions added to the affected tiers, and a
    `bursts` summary (per event: window, extra instance-hours and cost, reasons)."""
    if not cfg.events:
        return plan
    now = _utc(now or datetime.now(timezone.utc))
    baseline = sum(t.desired * _hourly_usd(t.instance_type, r.name) * pricing.HOURS_PER_MONTH
                   for r in plan.regions.values() for t in r.tiers.values())
    headroom = max(cfg.budget_usd_month - baseline, 0.0)
    wanted: list[tuple[BurstEvent, str, str, int, int, float]] = []  # event, region, tier, base, peak, usd/h/inst
    notes = list(plan.notes)
    for event in cfg.events:
        begin, release = event_window(event)
        if release <= now:
            notes.append(f"burst event {event.name}: already over at plan time ({_stamp(release)}); ignored")
            continue
        for rname, region in plan.regions.items():
            if region.failed:
                continue
            for tname in event.tiers:
                tier = region.tiers[tname]
                peak = min(math.ceil(round(tier.desired * event.peak_multiplier, 6)), tier.max)
                wanted.append((event, rname, tname, tier.desired, peak, _hourly_usd(tier.instance_type, rname)))
    extra_usd = sum((peak - base) * usd * (event_window(e)[1] - event_window(e)[0]).total_seconds() / 3600
                    for e, _, _, base, peak, usd in wanted)
    scale = 1.0 if extra_usd <= headroom or extra_usd == 0 else headroom / extra_usd
    regions = {name: dict(region.tiers) for name, region in plan.regions.items()}
    summary: dict[str, dict[str, Any]] = {}
    for event, rname, tname, base, peak, usd in wanted:
        begin, release = event_window(event)
        target = base + math.floor((peak - base) * scale)
        tier = regions[rname][tname]
        schedule = tier.scaling.schedule if tier.scaling is not None else None
        back = _floor_after(schedule, release, tier.min)
        why = (f"ceil({base} desired x {event.peak_multiplier:g}) = {peak} (cap max {tier.max})"
               + (f", scaled to {target} to fit the budget headroom ${headroom:,.0f}" if target != peak else "")
               + f" from {_stamp(begin)} ({event.warmup_minutes} min warm-up) to {_stamp(release)} "
               f"(+{COOLDOWN_MINUTES} min cooldown), then back to {back}")
        from infra.scaling_policy import ScheduledAction, TierSchedule  # late: scaling_policy imports capacity

        actions = (ScheduledAction(f"event-{event.name}-warm", None, max(target, tier.min), _stamp(begin), why),
                   ScheduledAction(f"event-{event.name}-release", None, back, _stamp(release),
                                   f"event {event.name} over: back to the recurring minimum {back}"))
        if schedule is None:
            schedule = TierSchedule("Etc/UTC", (), actions, f"burst event {event.name}")
        else:
            schedule = dataclasses.replace(schedule, actions=schedule.actions + actions)
        regions[rname][tname] = dataclasses.replace(
            tier, scaling=dataclasses.replace(tier.scaling, schedule=schedule),
            reasons=dict(tier.reasons, **{f"event {event.name}": why}))
        hours = (release - begin).total_seconds() / 3600
        entry = summary.setdefault(event.name, {"warm_at": _stamp(begin), "release_at": _stamp(release),
                                                "extra_instance_hours": 0.0, "extra_usd": 0.0, "tiers": {}})
        entry["extra_instance_hours"] += (target - base) * hours
        entry["extra_usd"] += (target - base) * hours * usd
        entry["tiers"][f"{rname}/{tname}"] = {"min_during_event": max(target, tier.min), "reason": why}
    for entry in summary.values():
        entry["extra_instance_hours"] = round(entry["extra_instance_hours"], 2)
        entry["extra_usd"] = round(entry["extra_usd"], 2)
    new_regions = {name: dataclasses.replace(region, tiers=regions[name]) for name, region in plan.regions.items()}
    bursts = {"budget_headroom_usd": round(headroom, 2), "scale": round(scale, 4), "events": summary,
              "reason": f"headroom = budget ${cfg.budget_usd_month:,.0f} - planned compute ${baseline:,.0f}/month"}
    return dataclasses.replace(plan, regions=new_regions, notes=tuple(notes), bursts=bursts)
