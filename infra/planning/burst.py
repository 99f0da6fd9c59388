"""Burst planner: pre-warm capacity for known events (novacron "3. Capacity Planning",
BurstCapacityPlanner.PlanForBurst). Pure: no pulumi, no boto3.

For each event and tier, in every healthy region:
- at `start - warmup_minutes` the ASG minimum rises to ceil(desired x peak_multiplier), capped at
  the tier's max ("Start pre-warming: Scale compute to peak capacity"); never below the recurring
  schedule's minimum of that moment;
- it holds through the event and for COOLDOWN_MINUTES after ("Begin cooldown: Gradually reduce
  capacity over 30 minutes"), then returns to the minimum the recurring schedule has at that hour
  (or to a still running event's minimum);
- the tier's recurring scheduled actions keep firing inside [pre-warm, release): AWS cannot pause a
  recurrence for one window (its start/end time bound the whole recurrence) and gives no order to a
  recurring and a one-time action of the same instant. So every recurring action that fires inside
  the window and would set the minimum below the event's is followed, HOLD_DELAY_MINUTES (1) later,
  by a one-time action re-asserting max(event minimum, recurring value): the minimum can sit at the
  lower recurring value for up to one minute. Lowering MinSize terminates no instance; only a
  scale-in alarm acting inside that minute could, and the re-assert raises the group back;
- the events' extra instance-hours must fit the month's budget headroom over the planned compute
  (priced with infra/cost/pricing.py); if not, every event's extra is scaled down to fit and the
  reason says so.
All these moments are one-time ASG scheduled actions (UTC) beside the recurring ones. A group allows
125 scheduled actions: infra/planning/schedule.fit_schedule reserves room for `reserved_actions` (an
upper bound of what is added here) by merging recurring transitions (higher value kept), and a plan
that still does not fit fails with a ConfigError on `events`; `apply_bursts` checks the total again.
"""
from __future__ import annotations

import dataclasses
import math
from datetime import datetime, timezone
from typing import Any

from infra.config import PLATFORM_KEY, BurstEvent, ConfigError, PlatformConfig
from infra.cost import pricing
from infra.cost.prices import HOURS_PER_MONTH
from infra.model.capacity import CapacityPlan, TierPlan
from infra.model.scaling import MAX_SCHEDULED_ACTIONS, ScheduledAction, TierSchedule
from infra.planning.schedule import (
    COOLDOWN_MINUTES,
    HOLD_DELAY_MINUTES,
    _floor_after,
    _stamp,
    _utc,
    event_window,
    holds,
    peak_minimum,
)
from infra.planning.spot import expected_week, schedule_floor

HOURS_PER_WEEK = 168


def planned_compute_usd(tier: TierPlan, region: str) -> float:
    """A group's monthly compute as the estimator prices it (infra/cost/schedule_hours.py): the hour-of-week
    expected count max(schedule floor, desired, min), on-demand base first, spot at the class's max-price factor."""
    spot = tier.scaling.spot if tier.scaling else None
    schedule = tier.scaling.schedule if tier.scaling else None
    week = expected_week(schedule_floor(schedule), tier.desired, tier.min, spot)
    factor = min(spot.max_price_factor, 1.0) if spot else 1.0
    return (week.avg_on_demand + week.avg_spot * factor) * pricing.on_demand_hourly(tier.instance_type, region) \
        * HOURS_PER_MONTH


def apply_bursts(cfg: PlatformConfig, plan: CapacityPlan, now: datetime | None = None) -> CapacityPlan:
    """The plan with each event's one-time scheduled actions (pre-warm, re-asserts, release) added to
    the affected tiers, and a `bursts` summary (per event: window, extra instance-hours and cost, reasons)."""
    if not cfg.events:
        return plan
    now = _utc(now or datetime.now(timezone.utc))
    baseline = sum(planned_compute_usd(t, r.name) for r in plan.regions.values() for t in r.tiers.values())
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
            for tname in cfg.event_tiers(event):
                tier = region.tiers[tname]
                peak = peak_minimum(tier.desired, event.peak_multiplier, tier.max)
                usd = pricing.on_demand_hourly(tier.instance_type, rname)
                wanted.append((event, rname, tname, tier.desired, peak, usd))
    extra_usd = sum((peak - base) * usd * (event_window(e)[1] - event_window(e)[0]).total_seconds() / 3600
                    for e, _, _, base, peak, usd in wanted)
    scale = 1.0 if extra_usd <= headroom or extra_usd == 0 else headroom / extra_usd
    regions = {name: dict(region.tiers) for name, region in plan.regions.items()}
    summary: dict[str, dict[str, Any]] = {}
    per_tier: dict[tuple[str, str], list[tuple[BurstEvent, int, int, int]]] = {}  # event, base, peak, target
    for event, rname, tname, base, peak, usd in wanted:
        begin, release = event_window(event)
        target = base + math.floor((peak - base) * scale)
        per_tier.setdefault((rname, tname), []).append((event, base, peak, target))
        hours = (release - begin).total_seconds() / 3600
        entry = summary.setdefault(event.name, {"warm_at": _stamp(begin), "release_at": _stamp(release),
                                                "extra_instance_hours": 0.0, "extra_usd": 0.0, "tiers": {}})
        entry["extra_instance_hours"] += (target - base) * hours
        entry["extra_usd"] += (target - base) * hours * usd
    tier_entries: dict[tuple[str, str, str], dict[str, Any]] = {}
    for (rname, tname), items in per_tier.items():
        regions[rname][tname], entries = _with_event_actions(rname, regions[rname][tname], items, headroom)
        tier_entries.update({(name, rname, tname): entry for name, entry in entries.items()})
    for event, rname, tname, *_ in wanted:
        summary[event.name]["tiers"][f"{rname}/{tname}"] = tier_entries[(event.name, rname, tname)]
    for entry in summary.values():
        entry["extra_instance_hours"] = round(entry["extra_instance_hours"], 2)
        entry["extra_usd"] = round(entry["extra_usd"], 2)
    new_regions = {name: dataclasses.replace(region, tiers=regions[name]) for name, region in plan.regions.items()}
    bursts = {"budget_headroom_usd": round(headroom, 2), "scale": round(scale, 4), "events": summary,
              "reason": f"headroom = budget ${cfg.budget_usd_month:,.0f} - planned compute ${baseline:,.0f}/month "
                        "(each group's week-averaged max(scheduled floor, desired, min), spot at its max-price "
                        "factor above the on-demand base)"}
    return dataclasses.replace(plan, regions=new_regions, notes=tuple(notes), bursts=bursts)


def _with_event_actions(rname: str, tier: TierPlan, items: list[tuple[BurstEvent, int, int, int]],
                        headroom: float) -> tuple[TierPlan, dict[str, dict[str, Any]]]:
    """One tier of one region with all its events' one-time actions, and the per-event summary entries."""

    schedule = tier.scaling.schedule if tier.scaling is not None else None
    windows = [(event.name, *event_window(event), max(target, tier.min)) for event, _, _, target in items]
    re_asserts = holds(schedule, windows)
    zone = schedule.time_zone if schedule is not None else "UTC"  # re-asserts exist only with a schedule

    def others(moment: datetime, skip: str) -> tuple[int, str]:
        """The highest minimum of the other events whose window covers `moment`, and which."""
        return max(((minimum, name) for name, begin, release, minimum in windows
                    if name != skip and begin <= moment < release), default=(0, ""))

    added: list[ScheduledAction] = []
    reasons = dict(tier.reasons)
    entries: dict[str, dict[str, Any]] = {}
    for (event, base, peak, target), (name, begin, release, minimum) in zip(items, windows):
        floor_at_warm = _floor_after(schedule, begin, tier.min)
        other_warm, other_warm_name = others(begin, name)
        warm = max(minimum, floor_at_warm, other_warm)
        back = _floor_after(schedule, release, tier.min)
        other_back, other_back_name = others(release, name)
        mine = [h for h in re_asserts if h.event == name]
        why = (f"ceil({base} desired x {event.peak_multiplier:g}) = {peak} (cap max {tier.max})"
               + (f", scaled to {target} to fit the budget headroom ${headroom:,.0f}" if target != peak else "")
               + f" from {_stamp(begin)} ({event.warmup_minutes} min warm-up) to {_stamp(release)} "
               f"(+{COOLDOWN_MINUTES} min cooldown), then back to {back}")
        if warm > minimum:
            why += (f"; pre-warm sets {warm}: the recurring minimum {floor_at_warm} at that moment"
                    if warm == floor_at_warm else f"; pre-warm sets {warm}: event {other_warm_name} holds it then")
        if mine:
            why += (f"; {len(mine)} recurring action(s) fire inside the window below {minimum}: each re-asserted "
                    f"{HOLD_DELAY_MINUTES} min later (the minimum is lower for up to {HOLD_DELAY_MINUTES} min)")
        release_value = max(back, other_back)
        added.append(ScheduledAction(f"event-{name}-warm", None, warm, _stamp(begin), why))
        for hold in mine:
            value = max(hold.minimum, hold.fired.min_size)
            added.append(ScheduledAction(
                f"event-{name}-hold-{hold.at:%Y%m%d-%H%M}", None, value, _stamp(hold.at),
                f"event {name}: recurring {hold.fired.slug} ({hold.fired.recurrence} {zone}) sets "
                f"{hold.fired.min_size} at {_stamp(hold.fired_at)}; {HOLD_DELAY_MINUTES} min later (AWS orders no "
                f"two actions of one instant) back to max(event minimum {hold.minimum}, {hold.fired.min_size}) = "
                f"{value}"))
        added.append(ScheduledAction(
            f"event-{name}-release", None, release_value, _stamp(release),
            f"event {name} over: back to the recurring minimum {back}" if release_value == back else
            f"event {name} over: recurring minimum {back}, but event {other_back_name} holds {release_value}"))
        reasons[f"event {name}"] = why
        entries[name] = {"min_during_event": minimum, "re_asserted_at": [_stamp(h.at) for h in mine],
                         "reason": why}
    names = ", ".join(name for name, *_ in windows)
    if schedule is None:
        schedule = TierSchedule("Etc/UTC", (), tuple(added), f"burst event(s) {names}")
    else:
        schedule = dataclasses.replace(schedule, actions=schedule.actions + tuple(added))
    if len(schedule.actions) > MAX_SCHEDULED_ACTIONS:  # fit_schedule reserved the room; this is the backstop
        raise ConfigError("stack config", f"{PLATFORM_KEY}.events", (
            f"{rname} {tier.tier}: {len(schedule.actions) - len(added)} recurring + "
            f"{len(added)} one-time scheduled actions for event(s) {names} exceed the AWS limit of "
            f"{MAX_SCHEDULED_ACTIONS} per group; use fewer, shorter or non-overlapping events"))
    assert tier.scaling is not None  # apply_scaling ran first (pipeline order)
    tier = dataclasses.replace(tier, scaling=dataclasses.replace(tier.scaling, schedule=schedule), reasons=reasons)
    return tier, entries
