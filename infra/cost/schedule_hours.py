"""What an Auto Scaling group really runs over a week, hour by hour (pure: no pulumi, no boto3).

Pricing a group at its `desiredCapacity` understates it: the recurring scheduled actions raise the
group's MinSize (novacron "6. Cost Optimization" schedule_based_scaling, the time-of-day floors), and
AWS then keeps at least that many instances running. So each hour of the week (0 = Monday 00:00 in
the schedule's time zone) is expected to run

    count[h] = max(scheduled floor[h], desired, minSize)

where floor[h] is the MinSize the latest recurring action set (the week wraps: Monday 00:00 starts
from Sunday's last action). The monthly cost uses the weekly average of that count; the average does
not depend on the time zone, since a week of local hours is the same set of hours in UTC.

The spot/on-demand split is applied per hour the way AWS applies a mixed-instances distribution:
the first `onDemandBaseCapacity` instances are on-demand, then
`onDemandPercentageAboveBaseCapacity` % of the rest (`split_on_demand`, the one rule the plan, the
cost and the report share). One-time actions (burst events, with a start time and no recurrence)
are not part of the weekly average: they are priced by the burst planner's `extra_usd`.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from infra.cost.lines import PricingError, count_text, number
from infra.model.cron import recurrence_hours, step_curve
from infra.model.recorded import RecordedResource
from infra.model.scaling import HOURS_PER_WEEK


def split_on_demand(count: float, base: float, pct_on_demand: float) -> tuple[float, float]:
    """(on-demand, spot) of `count` instances: `base` on-demand first, then `pct_on_demand` % of the rest."""
    base_part = min(count, max(base, 0.0))
    above = count - base_part
    on_demand = base_part + above * pct_on_demand / 100.0
    return on_demand, count - on_demand


def recurring_floor(actions: Iterable[tuple[str, int]], what: str = "schedule") -> list[int] | None:
    """The hour-of-week MinSize that recurring (cron, minSize) actions set, or None if there are none.

    Two actions at the same hour: the higher MinSize wins (never under-count). The plan's own scheduled
    actions (infra/planning/spot.py) and the recorded Schedule resources (`floor_curve`) both go through
    here, so the plan's spot share and the cost line's are computed over the same hours."""
    points: dict[int, int] = {}
    for cron, minimum in actions:
        try:
            hours = recurrence_hours(cron.strip())
        except ValueError as err:
            raise PricingError(f"{what}: {err}") from None
        for h in hours:
            points[h] = max(points.get(h, 0), int(minimum))
    return step_curve(points, HOURS_PER_WEEK)


def floor_curve(schedules: Iterable[RecordedResource]) -> list[int] | None:
    """The hour-of-week MinSize the recurring Schedule resources of one group set, or None if none recurs."""
    pairs: list[tuple[str, int]] = []
    for sched in schedules:
        cron = sched.inputs.get("recurrence")
        if not isinstance(cron, str) or not cron.strip():
            continue  # one-time action
        minimum = sched.inputs.get("minSize")
        if minimum is None or number(minimum, -1.0, what=f"{sched.name}: minSize") < 0:
            continue  # -1 = leave MinSize alone
        try:
            recurrence_hours(cron.strip())
        except ValueError as err:
            raise PricingError(f"{sched.name}: {err}") from None
        pairs.append((cron, int(number(minimum))))
    return recurring_floor(pairs)


@dataclass(frozen=True)
class WeekCount:
    """A group's expected instances averaged over the week, and the spot share of them."""

    avg_instances: float
    avg_on_demand: float
    avg_spot: float
    instance_hours: float  # per week
    scheduled_hours: int  # hours in which the scheduled floor is above max(desired, min)
    text: str  # the arithmetic, for the cost line's reason


def week_count(floor: Sequence[int] | None, desired: float, min_size: float,
               base: float = 0.0, pct_on_demand: float = 100.0) -> WeekCount:
    """max(floor[h], desired, min) for each of the 168 hours, split per hour into on-demand and spot."""
    steady = max(desired, min_size)
    counts = [max(float(f), steady) for f in floor] if floor else [steady] * HOURS_PER_WEEK
    splits = [split_on_demand(c, base, pct_on_demand) for c in counts]
    hours = math.fsum(counts)
    avg = hours / HOURS_PER_WEEK
    od = math.fsum(s[0] for s in splits) / HOURS_PER_WEEK
    raised = sum(1 for c in counts if c > steady)
    if floor and raised:
        text = (f"avg {avg:.2f} instances over {HOURS_PER_WEEK} h ({count_text(hours)} instance-hours/week = "
                f"max(scheduled floor, desired {count_text(desired)}, min {count_text(min_size)}) each hour; "
                f"floor above {count_text(steady)} in {raised} h)")
    else:
        text = f"{count_text(steady)}"
    return WeekCount(avg, od, avg - od, hours, raised, text)


def schedules_by_group(resources: Iterable[RecordedResource], groups: Sequence[RecordedResource]) \
        -> dict[str, list[RecordedResource]]:
    """Recorded Schedule resources keyed by the name of the group they act on (`autoscalingGroupName`,
    matched against each group's resource name, its `name` input or its mock id)."""
    keys: dict[str, str] = {}
    for group in groups:
        for key in (group.name, f"{group.name}_id", group.inputs.get("name")):
            if isinstance(key, str) and key:
                keys.setdefault(key, group.name)
    out: dict[str, list[RecordedResource]] = {}
    for res in resources:
        target = res.inputs.get("autoscalingGroupName")
        if isinstance(target, str) and target in keys:
            out.setdefault(keys[target], []).append(res)
    return out
