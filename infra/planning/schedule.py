"""The schedule planner: hour-of-week floor curves, scheduled actions and the whole 125-action budget.

Recurring actions (cost schedule x time-of-day factor, or a forecast curve) and the one-time actions of
burst events (pre-warm, re-asserts, release) share AWS's limit of MAX_SCHEDULED_ACTIONS per group; this
module is the one place that counts them (`fit_schedule`, `reserved_actions`). Pure.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from infra.config import PLATFORM_KEY, BurstEvent, ConfigError, PlatformConfig
from infra.config.scaling import ScheduleEntry
from infra.model.cron import cron_days, step_curve
from infra.model.scaling import (
    DAY_NAMES,
    HOURS_PER_WEEK,
    MAX_SCHEDULED_ACTIONS,
    ScheduledAction,
    TierSchedule,
)


def cost_schedule_curve(entries: Sequence[ScheduleEntry]) -> list[int] | None:
    """novacron schedule_based_scaling as a step function over the week (each entry holds until the next)."""
    points: dict[int, int] = {}
    for entry in entries:
        _minute, hour, _dom, _mon, dow = entry.cron.split()
        for day in cron_days(dow):
            points[day * 24 + int(hour)] = entry.min_capacity
    return step_curve(points, HOURS_PER_WEEK)


def time_of_day_factor(cfg: PlatformConfig, local_hour: int) -> tuple[float, str]:
    """(factor, band name) of the first time-of-day band containing `local_hour`, else the night factor."""
    sched = cfg.scaling.schedules
    for band in sched.time_of_day_factors:
        if band.start_hour <= local_hour <= band.end_hour:
            return band.factor, band.name
    return sched.night_factor, "night"


def floor_curve(cfg: PlatformConfig, desired: int, lo: int, hi: int,
                share: tuple[int, int] | None = None) -> tuple[list[int], str]:
    """floor[h] = clamp(max(ceil(cost schedule[h] x share), int(desired x factor[h])), lo, hi).

    `share` = (this group's desired, the desired of every group the cost schedule applies to): the
    runbook's absolute targets are its one fleet-wide ASG's numbers (`group_shares`); None = 1."""
    cost = cost_schedule_curve(cfg.scaling.schedules.entries)
    part, whole = share or (1, 1)
    curve = []
    for h in range(HOURS_PER_WEEK):
        factor, _ = time_of_day_factor(cfg, h % 24)
        target = math.ceil(cost[h] * part / whole - 1e-9) if cost and whole else 0
        value = max(target, int(desired * factor))
        curve.append(min(max(value, lo), hi))
    scaled = "cost schedule target" if share is None else (
        f"ceil(cost schedule target x {part}/{whole}: this group's share of the desired instances of the "
        f"{SHARE_TEXT})")
    reason = (f"hour-of-week min (index 0 = Monday 00:00 local) = clamp(max({scaled}, "
              f"int(desired {desired} x time-of-day factor)), {lo}, {hi})")
    return curve, reason


# novacron "6. Cost Optimization" schedule_based_scaling sets min_capacity 20/5/3/25 on its one
# fleet-wide ASG (novacron-asg). Here that fleet is split into one group per region and tier, so each
# group gets the targets times its share of the fleet's desired instances: summed over the groups,
# the floors match the runbook's fleet-wide number (each group rounds its part up, never to 0).
SHARE_TEXT = "groups on the cost schedule, novacron's targets being for its one fleet-wide ASG"


def group_shares(cfg: PlatformConfig, desired: dict[tuple[str, str], int]) -> dict[tuple[str, str], tuple[int, int]]:
    """(region, tier) -> (its desired, the total desired of the groups in `desired`): the part of
    the runbook's fleet-wide schedule targets each group carries (`floor_curve`)."""
    whole = sum(desired.values())
    return {key: (value, whole) for key, value in desired.items()}


def _segments(curve: Sequence[int]) -> list[tuple[int, int]]:
    """(start hour, value) where the value changes, cyclically; equal consecutive hours merged."""
    starts = [(h, v) for h, v in enumerate(curve) if v != curve[h - 1]]
    return starts or [(0, curve[0])]


def limit_segments(segments: list[tuple[int, int]], limit: int) -> list[tuple[int, int]]:
    """Merge the adjacent pair with the smallest difference (keeping the higher value: never under the
    curve) until at most `limit` transitions remain."""
    segs = list(segments)
    while len(segs) > limit:
        i = min(range(len(segs)), key=lambda k: (abs(segs[k][1] - segs[k - 1][1]), k))
        prev = i - 1
        merged = (segs[prev][0], max(segs[prev][1], segs[i][1]))
        segs[prev] = merged
        del segs[i]
    return segs


def _day_slug(days: list[int]) -> tuple[str, str]:
    """(cron field, name slug) with contiguous days as ranges: [0..4] -> ('MON-FRI', 'mon-fri')."""
    runs: list[list[int]] = []
    for d in days:
        if runs and d == runs[-1][-1] + 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    parts = [DAY_NAMES[r[0]] if len(r) == 1 else f"{DAY_NAMES[r[0]]}-{DAY_NAMES[r[-1]]}" for r in runs]
    return ",".join(parts), "_".join(parts).lower()


def scheduled_tiers(cfg: PlatformConfig) -> list[str]:
    """The tiers that get recurring scheduled floors (`scaling.schedules.tiers`, default every tier)."""
    listed = cfg.scaling.schedules.tiers
    return list(listed) if listed is not None else cfg.tiers.names()


def recurring_limit(cfg: PlatformConfig, tier: str) -> int:
    """Scheduled actions left for the recurring curve after the burst events' two one-time actions each
    (pre-warm and release); `fit_schedule` also makes room for the re-asserts inside the windows."""
    return MAX_SCHEDULED_ACTIONS - 2 * sum(1 for event in cfg.events if tier in cfg.event_tiers(event))


def fire_times(action: ScheduledAction, time_zone: str, start: datetime, stop: datetime) -> list[datetime]:
    """UTC instants in [start, stop) at which a recurring action ('M H * * DAYS', local time) fires."""
    if action.recurrence is None:  # a one-time action fires at its start_time, not on a recurrence
        return []
    minute, hour, _dom, _month, dow = action.recurrence.split()
    days = set(cron_days(dow))
    zone = ZoneInfo(time_zone)
    day = start.astimezone(zone).date() - timedelta(days=1)
    last = stop.astimezone(zone).date() + timedelta(days=1)
    fires = []
    while day <= last:
        if day.weekday() in days:
            fire = datetime(day.year, day.month, day.day, int(hour), int(minute), tzinfo=zone).astimezone(timezone.utc)
            if start <= fire < stop:
                fires.append(fire)
        day += timedelta(days=1)
    return fires


def fit_schedule(cfg: PlatformConfig, tier: str, region: str, desired: int, max_size: int, curve: Sequence[int],
                 lo: int, hi: int, time_zone: str, reason: str,
                 action_bounds: tuple[int, int] | None = None) -> TierSchedule:
    """`build_schedule` with the largest transition limit whose recurring actions plus the burst events'
    one-time actions (`infra.planning.burst.reserved_actions`, an upper bound for that schedule) stay within
    MAX_SCHEDULED_ACTIONS. Fewer transitions merge keeping the higher value, so the floor is never
    lowered. ConfigError on `events` if not even one recurring action fits."""

    limit = recurring_limit(cfg, tier)
    transitions = len(_segments([min(max(int(v), lo), hi) for v in curve])) if len(curve) == HOURS_PER_WEEK else 0
    reserved = MAX_SCHEDULED_ACTIONS - limit
    merged = False
    while limit >= 1:
        schedule = build_schedule(curve, lo, hi, time_zone, reason, limit=limit, action_bounds=action_bounds)
        reserved = reserved_actions(cfg, tier, schedule, desired, max_size)
        if len(schedule.actions) + reserved <= MAX_SCHEDULED_ACTIONS:
            if reserved:
                schedule = dataclasses.replace(schedule, reason=(
                    f"{schedule.reason}; at most {reserved} more kept free for the burst events' one-time "
                    f"actions (AWS limit {MAX_SCHEDULED_ACTIONS} scheduled actions per group)"
                    + ("; transitions merged (higher value kept) to make that room" if merged else "")))
            return schedule
        limit = min(limit, transitions) - 1  # a limit at or above the transition count changes nothing
        merged = True
    raise ConfigError("stack config", f"{PLATFORM_KEY}.events", (
        f"{region} {tier}: the burst events need up to {reserved} one-time scheduled actions, leaving no room for "
        f"one recurring action within the AWS limit of {MAX_SCHEDULED_ACTIONS} per group; "
        "use fewer, shorter or non-overlapping events"))


def build_schedule(curve: Sequence[int], lo: int, hi: int, time_zone: str, reason: str,
                   limit: int = MAX_SCHEDULED_ACTIONS, action_bounds: tuple[int, int] | None = None) -> TierSchedule:
    """Any 168-value hour-of-week min-capacity curve -> scheduled actions.

    The curve is clamped to [lo, hi]; equal consecutive hours merge; transitions at the same hour with
    the same value on several days become one action ('0 9 * * MON-FRI'); at most `limit` actions.
    `action_bounds` re-clamps the action values only (emergency mode): names stay those of `curve`.
    """
    if len(curve) != HOURS_PER_WEEK:
        raise ValueError(f"curve has {len(curve)} values; need {HOURS_PER_WEEK} (hour of week, Monday 00:00 first)")
    clamped = [min(max(int(v), lo), hi) for v in curve]
    segs = limit_segments(_segments(clamped), limit)
    grouped: dict[tuple[int, int], list[int]] = {}
    for start, value in segs:
        grouped.setdefault((start % 24, value), []).append(start // 24)
    out_lo, out_hi = action_bounds or (lo, hi)
    actions = []
    for (hour, value), days in sorted(grouped.items(), key=lambda kv: (min(kv[1]), kv[0][0])):
        cron_field, slug = _day_slug(sorted(days))
        actions.append(ScheduledAction(f"{slug}-{hour:02d}00", f"0 {hour} * * {cron_field}",
                                       min(max(value, out_lo), out_hi)))
    final = tuple(min(max(v, out_lo), out_hi) for v in clamped)
    text = f"{reason}; {len(segs)} transitions -> {len(actions)} scheduled actions (limit {limit})"
    if action_bounds and action_bounds != (lo, hi):
        text += f"; values re-clamped to emergency bounds [{out_lo}, {out_hi}]"
    return TierSchedule(time_zone, final, tuple(actions), text)


# novacron "3. Capacity Planning" PlanForBurst: "Gradually reduce capacity over 30 minutes".
COOLDOWN_MINUTES = 30


# AWS orders no two scheduled actions of the same instant: a re-assert comes one minute after the
# recurring action it overrides (recurrences fire on whole minutes; one minute is the smallest distinct step).
HOLD_DELAY_MINUTES = 1


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


def peak_minimum(desired: int, multiplier: float, max_size: int) -> int:
    """ceil(desired x peak_multiplier), capped at the group's max (before any budget scaling)."""
    return min(math.ceil(round(desired * multiplier, 6)), max_size)


@dataclasses.dataclass(frozen=True)
class Hold:
    """A one-time re-assert of an event minimum after a recurring action that fired inside the window."""

    at: datetime  # UTC, HOLD_DELAY_MINUTES after `fired_at`
    minimum: int  # the highest minimum of the events whose window covers the firing
    event: str  # the first of those events (config order): names the action
    fired: Any  # the recurring infra.planning.scaling_policy.ScheduledAction
    fired_at: datetime


def holds(schedule: Any, windows: list[tuple[str, datetime, datetime, int]]) -> list[Hold]:
    """Re-asserts needed for `windows` (event name, pre-warm, release, minimum to hold): one per
    instant a recurring action of `schedule` fires in [pre-warm, release) with a value below the
    minimum, unless the release comes first. Sorted by time; one per instant across events."""
    if schedule is None:
        return []

    found: dict[datetime, Hold] = {}
    for action in schedule.actions:
        if action.recurrence is None:
            continue
        for name, begin, release, minimum in windows:
            if action.min_size >= minimum:
                continue
            for fired in fire_times(action, schedule.time_zone, begin, release):
                at = fired + timedelta(minutes=HOLD_DELAY_MINUTES)
                if at >= release:  # the release (or the schedule after it) decides from then on
                    continue
                prev = found.get(at)
                found[at] = Hold(at, max(minimum, prev.minimum), prev.event, action, fired) if prev else \
                    Hold(at, minimum, name, action, fired)
    return sorted(found.values(), key=lambda h: h.at)


def reserved_actions(cfg: PlatformConfig, tier: str, schedule: Any, desired: int, max_size: int) -> int:
    """Upper bound of the one-time actions `apply_bursts` adds to one group of `tier` with this
    recurring schedule: pre-warm and release per event, plus the re-asserts with every event at its
    full peak (past events and the budget scaling can only lower what is needed)."""
    events = [event for event in cfg.events if tier in cfg.event_tiers(event)]
    windows = [(event.name, *event_window(event), peak_minimum(desired, event.peak_multiplier, max_size))
               for event in events]
    return 2 * len(events) + len(holds(schedule, windows))
